package dev.rotator.core.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every freeze names a runbook ({@link ReasonCode#runbook()}), and the alert links it: a link to a file that
 * does not exist, or to a runbook without the sections on-call relies on, is found here, not at 3 a.m.
 *
 * <p>The rule for {@code runbooks/*.md}: each file is either the index ({@code README.md}), one of the
 * general runbooks in {@link #GENERAL}, or the runbook of exactly one {@link ReasonCode}. Anything else is an
 * orphan (a renamed or removed code, a typo) and fails. Every reason runbook has the headings of {@link
 * #REQUIRED_SECTIONS} as {@code ##} headings, in that order, and names its code; the index links every
 * runbook.
 */
class RunbookCoverageTest {

  /** Runbooks that belong to no reason code. Adding a general runbook means adding it here. */
  static final Set<String> GENERAL =
      Set.of("emergency-stop.md", "resume-after-freeze.md", "rollback-node-image.md", "rollback-node-pool.md", "control-plane-rotation.md",
          "lock-held.md");

  static final String INDEX = "README.md";

  /** The sections of every reason runbook, in order. */
  static final List<String> REQUIRED_SECTIONS =
      List.of(
          "What the alert looks like",
          "What rotator already did and did not do",
          "Diagnosis",
          "Remediation",
          "How to resume",
          "When to escalate");

  private static final Pattern LINK = Pattern.compile("\\]\\(([^)#\\s]+)(#[^)]*)?\\)");

  // ---- the checks, on any repository root (so the self-tests below can prove they fail)

  /** Reason codes whose runbook file is missing. */
  static List<String> missingRunbooks(Path root) {
    List<String> problems = new ArrayList<>();
    for (ReasonCode c : ReasonCode.values()) {
      if (!Files.isRegularFile(root.resolve(c.runbook()))) {
        problems.add(c + ": no " + c.runbook());
      }
    }
    return problems;
  }

  /** Markdown files under runbooks/ that are neither the index, a general runbook, nor a code's runbook. */
  static List<String> orphanRunbooks(Path root) {
    Set<String> reasonFiles =
        Arrays.stream(ReasonCode.values()).map(RunbookCoverageTest::fileName).collect(Collectors.toSet());
    List<String> problems = new ArrayList<>();
    for (String f : markdownFiles(root.resolve("runbooks"))) {
      if (!f.equals(INDEX) && !GENERAL.contains(f) && !reasonFiles.contains(f)) {
        problems.add(
            "runbooks/" + f + " names no ReasonCode and is not a listed general runbook " + new TreeSet<>(GENERAL)
                + " (rename it after its code, or add it to RunbookCoverageTest.GENERAL)");
      }
    }
    return problems;
  }

  /** Reason runbooks lacking a required section (or with them out of order), or not naming their code. */
  static List<String> incompleteRunbooks(Path root) {
    List<String> problems = new ArrayList<>();
    for (ReasonCode c : ReasonCode.values()) {
      Path file = root.resolve(c.runbook());
      if (!Files.isRegularFile(file)) {
        continue; // reported by missingRunbooks
      }
      String text = read(file);
      List<String> headings = headings(text, "## ");
      int last = -1;
      for (String section : REQUIRED_SECTIONS) {
        int at = headings.indexOf(section);
        if (at < 0) {
          problems.add(c.runbook() + ": missing section '## " + section + "'");
        } else if (at < last) {
          problems.add(c.runbook() + ": section '## " + section + "' out of order (expected " + REQUIRED_SECTIONS + ")");
        } else {
          last = at;
        }
      }
      if (!text.contains(c.name())) {
        problems.add(c.runbook() + ": does not name its reason code " + c.name());
      }
    }
    return problems;
  }

  /** General runbooks that are missing, and runbooks the index does not link. */
  static List<String> indexProblems(Path root) {
    Path dir = root.resolve("runbooks");
    List<String> problems = new ArrayList<>();
    for (String g : new TreeSet<>(GENERAL)) {
      if (!Files.isRegularFile(dir.resolve(g))) {
        problems.add("runbooks/" + g + ": general runbook missing");
      }
    }
    Path index = dir.resolve(INDEX);
    if (!Files.isRegularFile(index)) {
      problems.add("runbooks/" + INDEX + ": missing");
      return problems;
    }
    Set<String> linked = links(read(index));
    for (String f : markdownFiles(dir)) {
      if (!f.equals(INDEX) && !linked.contains(f)) {
        problems.add("runbooks/" + INDEX + " does not link " + f);
      }
    }
    return problems;
  }

  /** Relative links in runbooks that point at no file. */
  static List<String> brokenLinks(Path root) {
    Path dir = root.resolve("runbooks");
    List<String> problems = new ArrayList<>();
    for (String f : markdownFiles(dir)) {
      for (String target : links(read(dir.resolve(f)))) {
        if (!Files.exists(dir.resolve(target).normalize())) {
          problems.add("runbooks/" + f + ": link to " + target + " points at nothing");
        }
      }
    }
    return problems;
  }

  // ---- the repository's own runbooks

  @Test
  @DisplayName("every ReasonCode has its runbook file at ReasonCode.runbook()")
  void everyCodeHasARunbook() {
    assertNoProblems(missingRunbooks(repoRoot()));
  }

  @Test
  @DisplayName("every runbooks/*.md is the index, a listed general runbook, or the runbook of an existing ReasonCode")
  void noOrphanRunbooks() {
    assertNoProblems(orphanRunbooks(repoRoot()));
  }

  @Test
  @DisplayName("every reason runbook has the required sections, in order, and names its code")
  void reasonRunbooksHaveRequiredSections() {
    assertNoProblems(incompleteRunbooks(repoRoot()));
  }

  @Test
  @DisplayName("the general runbooks exist and runbooks/README.md links every runbook")
  void indexLinksEverything() {
    assertNoProblems(indexProblems(repoRoot()));
  }

  @Test
  @DisplayName("relative links in runbooks point at existing files")
  void linksResolve() {
    assertNoProblems(brokenLinks(repoRoot()));
  }

  // ---- the checks themselves fail when they should

  @Test
  @DisplayName("self-check: a missing runbook, an orphan runbook and a missing section are each reported")
  void checksReportProblems(@TempDir Path root) throws IOException {
    Path dir = Files.createDirectories(root.resolve("runbooks"));
    for (ReasonCode c : ReasonCode.values()) {
      Files.writeString(root.resolve(c.runbook()), completeRunbook(c));
    }
    assertEquals(List.of(), missingRunbooks(root));
    assertEquals(List.of(), orphanRunbooks(root));
    assertEquals(List.of(), incompleteRunbooks(root));

    Files.delete(root.resolve(ReasonCode.DRAIN_TIMEOUT.runbook()));
    assertEquals(List.of("DRAIN_TIMEOUT: no runbooks/drain-timeout.md"), missingRunbooks(root));

    Files.writeString(dir.resolve("disk-pressure.md"), "# DISK_PRESSURE\n");
    List<String> orphans = orphanRunbooks(root);
    assertEquals(1, orphans.size(), orphans.toString());
    assertTrue(orphans.get(0).startsWith("runbooks/disk-pressure.md names no ReasonCode"), orphans.get(0));

    String withoutDiagnosis = completeRunbook(ReasonCode.MANUAL).replace("## Diagnosis\n", "## Diagnostics\n");
    Files.writeString(root.resolve(ReasonCode.MANUAL.runbook()), withoutDiagnosis);
    assertEquals(List.of("runbooks/manual.md: missing section '## Diagnosis'"), incompleteRunbooks(root));
  }

  @Test
  @DisplayName("self-check: headings inside code blocks do not count, sections out of order are reported")
  void headingsInCodeBlocksAndOrder(@TempDir Path root) throws IOException {
    Files.createDirectories(root.resolve("runbooks"));
    StringBuilder fenced = new StringBuilder("# CLOUD_QUOTA\n```\n");
    for (String s : REQUIRED_SECTIONS) {
      fenced.append("## ").append(s).append('\n');
    }
    fenced.append("```\n");
    Files.writeString(root.resolve(ReasonCode.CLOUD_QUOTA.runbook()), fenced.toString());
    assertEquals(REQUIRED_SECTIONS.size(), problemsFor(root, ReasonCode.CLOUD_QUOTA).size());

    List<String> reversed = new ArrayList<>(REQUIRED_SECTIONS);
    java.util.Collections.reverse(reversed);
    StringBuilder backwards = new StringBuilder("# CLOUD_QUOTA\n");
    for (String s : reversed) {
      backwards.append("## ").append(s).append("\n\ntext\n\n");
    }
    Files.writeString(root.resolve(ReasonCode.CLOUD_QUOTA.runbook()), backwards.toString());
    assertTrue(
        problemsFor(root, ReasonCode.CLOUD_QUOTA).stream().anyMatch(p -> p.contains("out of order")),
        problemsFor(root, ReasonCode.CLOUD_QUOTA).toString());
  }

  @Test
  @DisplayName("self-check: an index that misses a runbook and a broken link are reported")
  void indexAndLinks(@TempDir Path root) throws IOException {
    Path dir = Files.createDirectories(root.resolve("runbooks"));
    for (String g : GENERAL) {
      Files.writeString(dir.resolve(g), "# " + g + "\nSee [the index](README.md).\n");
    }
    Files.writeString(dir.resolve("manual.md"), "# MANUAL\nSee [stop](emergency-stop.md) and [x](gone.md#top).\n");
    StringBuilder index = new StringBuilder("# Runbooks\n");
    for (String g : GENERAL) {
      index.append("- [").append(g).append("](").append(g).append(")\n");
    }
    Files.writeString(dir.resolve(INDEX), index.toString());
    assertEquals(List.of("runbooks/README.md does not link manual.md"), indexProblems(root));
    assertEquals(List.of("runbooks/manual.md: link to gone.md points at nothing"), brokenLinks(root));
  }

  // ---- helpers

  private static List<String> problemsFor(Path root, ReasonCode code) {
    return incompleteRunbooks(root).stream().filter(p -> p.startsWith(code.runbook())).toList();
  }

  private static String completeRunbook(ReasonCode c) {
    StringBuilder sb = new StringBuilder("# " + c.name() + "\n\n");
    for (String s : REQUIRED_SECTIONS) {
      sb.append("## ").append(s).append("\n\ntext\n\n");
    }
    return sb.toString();
  }

  private static void assertNoProblems(List<String> problems) {
    if (!problems.isEmpty()) {
      fail(problems.size() + " problem(s):\n  " + String.join("\n  ", problems));
    }
  }

  private static String fileName(ReasonCode c) {
    return Paths.get(c.runbook()).getFileName().toString();
  }

  /** The {@code ##} headings outside fenced code blocks, without the marker. */
  static List<String> headings(String markdown, String marker) {
    List<String> out = new ArrayList<>();
    boolean inFence = false;
    for (String line : markdown.split("\\R")) {
      String t = line.strip();
      if (t.startsWith("```") || t.startsWith("~~~")) {
        inFence = !inFence;
        continue;
      }
      if (!inFence && line.startsWith(marker)) {
        out.add(line.substring(marker.length()).strip());
      }
    }
    return out;
  }

  /** Relative link targets (no scheme, no absolute path), without their #fragment. */
  static Set<String> links(String markdown) {
    Set<String> out = new TreeSet<>();
    Matcher m = LINK.matcher(markdown);
    while (m.find()) {
      String target = m.group(1);
      if (!target.contains("://") && !target.startsWith("/") && !target.startsWith("mailto:")) {
        out.add(target);
      }
    }
    return out;
  }

  private static List<String> markdownFiles(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isRegularFile)
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".md"))
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The repository root: the nearest directory at or above the working directory that has runbooks/. */
  static Path repoRoot() {
    Path start = Paths.get("").toAbsolutePath();
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isDirectory(p.resolve("runbooks"))) {
        return p;
      }
    }
    return fail("no directory containing runbooks/ at or above " + start);
  }
}
