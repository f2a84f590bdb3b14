package dev.rotator.provider.aws;

import dev.rotator.provider.CloudException;
import dev.rotator.provider.CloudException.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.Instance;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateOverrides;
import software.amazon.awssdk.services.autoscaling.model.LaunchTemplateSpecification;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.Reservation;

/**
 * What a group launches (launch configuration, or launch templates with numeric versions) and which
 * template version an instance was launched with: the facts behind {@link AwsCloudProvider#isOutdated}.
 *
 * <p>The Auto Scaling API reports versions as the group specifies them, so {@code $Latest}/{@code
 * $Default} may appear on both sides. The group's are resolved through EC2 DescribeLaunchTemplates; an
 * instance's through its EC2 tag {@value #LT_VERSION_TAG}, which EC2 puts on every instance launched from a
 * template.
 */
final class LaunchTargets {

  /** EC2 sets this tag on instances launched from a launch template: the numeric version used. */
  static final String LT_VERSION_TAG = "aws:ec2launchtemplate:version";

  private static final Pattern NUMBER = Pattern.compile("[0-9]+");
  private static final String LATEST = "$Latest";

  /** A template the group launches from, with its version resolved to a number. */
  record Accepted(String id, String name, int version) {
    boolean matches(LaunchTemplateSpecification lt) {
      if (id != null && lt.launchTemplateId() != null) {
        return id.equals(lt.launchTemplateId());
      }
      return name != null && name.equals(lt.launchTemplateName());
    }
  }

  /**
   * What the group launches now.
   *
   * @param launchConfiguration the launch configuration's name, or null for a template group
   * @param templates the group's template and, with a mixed instances policy, those of its overrides
   */
  record Target(String launchConfiguration, List<Accepted> templates) {}

  private final AwsCalls calls;
  private final Ec2Client ec2;

  LaunchTargets(AwsCalls calls, Ec2Client ec2) {
    this.calls = calls;
    this.ec2 = ec2;
  }

  /** The group's template spec, directly or inside a mixed instances policy; null for a configuration. */
  static LaunchTemplateSpecification templateOf(AutoScalingGroup g) {
    if (g.launchTemplate() != null) {
      return g.launchTemplate();
    }
    if (g.mixedInstancesPolicy() != null && g.mixedInstancesPolicy().launchTemplate() != null) {
      return g.mixedInstancesPolicy().launchTemplate().launchTemplateSpecification();
    }
    return null;
  }

  /** {@code lt-0abc:$Latest}, {@code my-template:3}, {@code lc:my-config}: informational. */
  static String targetText(AutoScalingGroup g) {
    LaunchTemplateSpecification lt = templateOf(g);
    if (lt != null) {
      String version = lt.version() == null ? "$Default" : lt.version();
      return (lt.launchTemplateId() != null ? lt.launchTemplateId() : lt.launchTemplateName()) + ":" + version;
    }
    return g.launchConfigurationName() == null ? "" : "lc:" + g.launchConfigurationName();
  }

  /** A version string that is a number, or empty ($Latest, $Default, absent). */
  static OptionalInt numeric(String version) {
    return version != null && NUMBER.matcher(version).matches()
        ? OptionalInt.of(Integer.parseInt(version))
        : OptionalInt.empty();
  }

  /** What the group launches now, template versions resolved to numbers. */
  Target target(AutoScalingGroup g) {
    String subject = "group " + g.autoScalingGroupName();
    LaunchTemplateSpecification main = templateOf(g);
    if (main == null) {
      return new Target(g.launchConfigurationName(), List.of());
    }
    List<Accepted> accepted = new ArrayList<>();
    accepted.add(resolve(main, subject));
    if (g.mixedInstancesPolicy() != null && g.mixedInstancesPolicy().launchTemplate() != null) {
      for (LaunchTemplateOverrides o : g.mixedInstancesPolicy().launchTemplate().overrides()) {
        if (o.launchTemplateSpecification() != null) {
          accepted.add(resolve(o.launchTemplateSpecification(), subject));
        }
      }
    }
    return new Target(null, List.copyOf(accepted));
  }

  /** A template spec with its version as a number ($Latest/$Default/absent through EC2). */
  private Accepted resolve(LaunchTemplateSpecification spec, String subject) {
    String v = spec.version();
    if (numeric(v).isPresent()) {
      return new Accepted(spec.launchTemplateId(), spec.launchTemplateName(), numeric(v).getAsInt());
    }
    String which = spec.launchTemplateId() != null ? spec.launchTemplateId() : spec.launchTemplateName();
    List<software.amazon.awssdk.services.ec2.model.LaunchTemplate> found =
        calls
            .call(
                "DescribeLaunchTemplates",
                "template " + which + " of " + subject,
                () ->
                    ec2.describeLaunchTemplates(
                        b -> {
                          if (spec.launchTemplateId() != null) {
                            b.launchTemplateIds(spec.launchTemplateId());
                          } else {
                            b.launchTemplateNames(spec.launchTemplateName());
                          }
                        }))
            .launchTemplates();
    if (found.isEmpty()) {
      throw new CloudException(
          Kind.PERMANENT, "DescribeLaunchTemplates template " + which + " of " + subject + ": not found");
    }
    var lt = found.get(0);
    Long n = LATEST.equals(v) ? lt.latestVersionNumber() : lt.defaultVersionNumber();
    if (n == null) {
      throw new CloudException(
          Kind.PERMANENT,
          "DescribeLaunchTemplates template " + which + " of " + subject + ": no version number for " + v);
    }
    return new Accepted(lt.launchTemplateId(), lt.launchTemplateName(), n.intValue());
  }

  /** For the group's instances reported with a symbolic version: the version EC2 tagged them with. */
  Map<String, Integer> taggedVersions(AutoScalingGroup g) {
    List<String> ids =
        g.instances().stream()
            .filter(i -> i.launchTemplate() != null)
            .filter(i -> numeric(i.launchTemplate().version()).isEmpty())
            .map(Instance::instanceId)
            .toList();
    Map<String, Integer> out = new HashMap<>();
    for (int i = 0; i < ids.size(); i += 100) {
      List<String> chunk = ids.subList(i, Math.min(ids.size(), i + 100));
      List<Reservation> reservations =
          calls.call(
              "DescribeInstances",
              "instances of group " + g.autoScalingGroupName(),
              () -> {
                List<Reservation> r = new ArrayList<>();
                ec2.describeInstancesPaginator(b -> b.instanceIds(chunk)).reservations().forEach(r::add);
                return r;
              });
      for (Reservation r : reservations) {
        for (var inst : r.instances()) {
          inst.tags().stream()
              .filter(t -> LT_VERSION_TAG.equals(t.key()) && t.value() != null && NUMBER.matcher(t.value()).matches())
              .findFirst()
              .ifPresent(t -> out.put(inst.instanceId(), Integer.parseInt(t.value())));
        }
      }
    }
    return out;
  }

}
