package dev.rotator.health.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.rotator.health.apiserver.PrometheusText.PrometheusParseException;
import dev.rotator.health.apiserver.PrometheusText.Sample;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrometheusTextTest {

  @Test
  @DisplayName("parses samples with and without labels, skipping HELP/TYPE comments and blank lines")
  void basics() throws Exception {
    String text =
        "# HELP http_requests_total The total number of HTTP requests.\n"
            + "# TYPE http_requests_total counter\n"
            + "http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000\n"
            + "\n"
            + "http_requests_total{method=\"post\",code=\"400\"}    3   1395066363000\n"
            + "process_start_time_seconds 1.7e9\n"
            + "go_goroutines\t42\n";
    List<Sample> samples = PrometheusText.parse(text);
    assertEquals(4, samples.size());
    assertEquals(new Sample("http_requests_total", Map.of("method", "post", "code", "200"), 1027), samples.get(0));
    assertEquals(3, samples.get(1).value());
    assertEquals(new Sample("process_start_time_seconds", Map.of(), 1.7e9), samples.get(2));
    assertEquals(42, samples.get(3).value());
  }

  @Test
  @DisplayName("label values unescape \\\\, \\\" and \\n, and may contain braces, commas and blanks")
  void escapes() throws Exception {
    List<Sample> s =
        PrometheusText.parse("msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find"
            + " file:\\n\\\"FILE.TXT\\\"\",x=\"{a, b}\",} 1.458255915e9\n");
    assertEquals("C:\\DIR\\FILE.TXT", s.get(0).labels().get("path"));
    assertEquals("Cannot find file:\n\"FILE.TXT\"", s.get(0).labels().get("error"));
    assertEquals("{a, b}", s.get(0).labels().get("x"), "a trailing comma before } is allowed");
  }

  @Test
  @DisplayName("values +Inf, -Inf, NaN and exponents parse; CRLF line ends and a missing final newline are fine")
  void specialValues() throws Exception {
    List<Sample> s = PrometheusText.parse("a +Inf\r\nb -Inf\r\nc NaN\r\nd -1.5E-3\r\ne{} .5");
    assertEquals(Double.POSITIVE_INFINITY, s.get(0).value());
    assertEquals(Double.NEGATIVE_INFINITY, s.get(1).value());
    assertTrue(Double.isNaN(s.get(2).value()));
    assertEquals(-0.0015, s.get(3).value());
    assertEquals(0.5, s.get(4).value());
    assertEquals(5, s.size());
  }

  @Test
  @DisplayName("with a name filter, other metrics' lines are not parsed beyond their name")
  void filter() throws Exception {
    String text = "wanted{a=\"1\"} 1\nother{this is not even valid 2\nwanted{a=\"2\"} 2\n";
    List<Sample> s = PrometheusText.parse(text, "wanted"::equals);
    assertEquals(2, s.size());
    assertEquals("2", s.get(1).labels().get("a"));
    assertThrows(PrometheusParseException.class, () -> PrometheusText.parse(text));
  }

  static Stream<Arguments> malformedLines() {
    return Stream.of(
        Arguments.of("a{b=\"1\",", "unterminated label set"),
        Arguments.of("a{b=\"1} 2", "unterminated value of label b"),
        Arguments.of("a{b=1} 2", "expected '\"' to open the value of label b"),
        Arguments.of("a{b=\"\\x\"} 2", "invalid escape \\x in label b"),
        Arguments.of("a{b=\"1\",b=\"2\"} 2", "duplicate label b"),
        Arguments.of("a{b=\"1\" c=\"2\"} 2", "expected ',' or '}' after label b"),
        Arguments.of("a{1b=\"1\"} 2", "expected a label name"),
        Arguments.of("a", "missing value"),
        Arguments.of("a 1x", "invalid value '1x'"),
        Arguments.of("a 0x10", "invalid value '0x10'"),
        Arguments.of("a Infinity", "invalid value 'Infinity'"),
        Arguments.of("a 1 12.5", "expected an integer timestamp"),
        Arguments.of("a 1 12 extra", "unexpected text after the timestamp"),
        Arguments.of("a-b 1", "expected a blank after the metric name"),
        Arguments.of("9a 1", "expected a metric name"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("malformedLines")
  @DisplayName("malformed lines are errors naming the line number and the problem")
  void malformed(String line, String expected) {
    PrometheusParseException e =
        assertThrows(PrometheusParseException.class, () -> PrometheusText.parse("ok 1\n" + line + "\n"));
    assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
    assertTrue(e.getMessage().contains(expected), e.getMessage());
  }
}
