package dev.rotator.provider.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class AwsSettingsTest {

  @Test
  @DisplayName("defaults: AZRebalance suspended, max not raised, the Standard On-Demand vCPU quota, 4 attempts")
  void defaults() {
    AwsSettings s = AwsSettings.builder().groupNames(List.of("ng-a")).build();
    assertEquals(List.of("AZRebalance"), s.suspendProcesses());
    assertFalse(s.raiseMaxForSurge());
    assertEquals("L-1216C47A", s.quotaCode());
    assertEquals(4, s.maxAttempts());
    assertEquals("", s.region());
    assertEquals(AwsSettings.Endpoints.none(), s.endpoints());
  }

  @Test
  @DisplayName("invalid settings are refused with the key in the message")
  void validation() {
    assertMessage("groupNames and/or groupTags", AwsSettings.builder());
    assertMessage("must not contain Launch",
        AwsSettings.builder().groupNames(List.of("a")).suspendProcesses(List.of("Launch")));
    assertMessage("unknown process 'AzRebalance'",
        AwsSettings.builder().groupNames(List.of("a")).suspendProcesses(List.of("AzRebalance")));
    assertMessage("quotaCode", AwsSettings.builder().groupNames(List.of("a")).quotaCode("vcpus"));
    assertMessage("maxAttempts", AwsSettings.builder().groupNames(List.of("a")).maxAttempts(0));
    assertMessage("lists a group twice", AwsSettings.builder().groupNames(List.of("a", "a")));
    assertMessage("empty tag key", AwsSettings.builder().groupTags(Map.of(" ", "x")));
    assertMessage("backoffMax", AwsSettings.builder().groupNames(List.of("a")).backoffMax(Duration.ofMillis(1)));
  }

  private static void assertMessage(String part, AwsSettings.Builder b) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, b::build);
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }

  @Test
  @DisplayName("instance types count toward the quota of their family only; unknown quota codes count everything")
  void quotaFamilies() {
    assertTrue(QuotaFamilies.countsToward("L-1216C47A", "m5.xlarge"));
    assertTrue(QuotaFamilies.countsToward("L-1216C47A", "c7gn.large"));
    assertTrue(QuotaFamilies.countsToward("L-1216C47A", "i4i.large"));
    assertFalse(QuotaFamilies.countsToward("L-1216C47A", "inf2.xlarge"));
    assertFalse(QuotaFamilies.countsToward("L-1216C47A", "p4d.24xlarge"));
    assertFalse(QuotaFamilies.countsToward("L-1216C47A", "g5.xlarge"));
    assertTrue(QuotaFamilies.countsToward("L-DB2E81BA", "g5.xlarge"));
    assertTrue(QuotaFamilies.countsToward("L-00000000", "p4d.24xlarge"));
  }

  @Test
  @DisplayName("provider IDs: aws:///<zone>/<i-…> only")
  void providerIds() {
    assertEquals("i-0abc", AwsCloudProvider.parseProviderId("aws:///us-east-1a/i-0abc").orElseThrow()[1]);
    assertEquals("us-west-2-lax-1a", AwsCloudProvider.parseProviderId("aws:///us-west-2-lax-1a/i-01").orElseThrow()[0]);
    assertTrue(AwsCloudProvider.parseProviderId("aws:///us-east-1a/i-0abc/extra").isEmpty());
    assertTrue(AwsCloudProvider.parseProviderId("gce://p/z/n").isEmpty());
    assertTrue(AwsCloudProvider.parseProviderId("aws:///us-east-1a/fargate-ip-1").isEmpty());
  }
}
