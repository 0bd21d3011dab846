package io.kubedsr.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * docs/user-guide.md's "kube-proxy compatibility" table names, in every row, the tests that show kube-dsr's
 * behaviour: each must exist (a scenario directory, or a test method in the repository's test sources), so the table
 * cannot point at a test that was renamed or removed. That they pass is the build's business.
 */
class CompatibilityTableTest {
    private static final Path GUIDE = Path.of("../docs/user-guide.md");
    private static final Path SCENARIOS = Path.of("src/test/resources/scenarios");
    private static final Pattern SCENARIO = Pattern.compile("`PlannerScenarioTest\\[([a-z0-9-]+)]`");
    private static final Pattern METHOD = Pattern.compile("`([A-Z][A-Za-z0-9]+Test)#([a-z][A-Za-z0-9]+)`");

    private static List<String> rows() throws IOException {
        String guide = Files.readString(GUIDE);
        int start = guide.indexOf("## kube-proxy compatibility");
        assertThat(start).as("the section exists").isGreaterThanOrEqualTo(0);
        List<String> rows = new ArrayList<>();
        for (String line : guide.substring(start).split("\n")) {
            if (line.startsWith("| ") && !line.startsWith("| behaviour") && !line.startsWith("|---")) {
                rows.add(line);
            } else if (!rows.isEmpty() && !line.startsWith("|")) {
                break;
            }
        }
        return rows;
    }

    @Test
    void everyRowNamesATestThatExists() throws IOException {
        List<String> rows = rows();
        assertThat(rows).hasSizeGreaterThan(20);
        List<Path> sources;
        try (Stream<Path> files = Files.walk(Path.of(".."))) {
            // Not under a build directory: a target/ may hold copies of the sources (a VM run's snapshot of the tree).
            sources = files.filter(p -> p.toString().contains("/src/test/java/") && p.toString().endsWith("Test.java")
                    && !p.toString().contains("/target/")).toList();
        }
        for (String row : rows) {
            String shownBy = row.substring(row.lastIndexOf("| ", row.length() - 3));
            Matcher scenarios = SCENARIO.matcher(shownBy);
            Matcher methods = METHOD.matcher(shownBy);
            int named = 0;
            while (scenarios.find()) {
                assertThat(SCENARIOS.resolve(scenarios.group(1)).resolve("expected.txt")).as(row).exists();
                named++;
            }
            while (methods.find()) {
                String cls = methods.group(1);
                String method = methods.group(2);
                List<Path> file = sources.stream().filter(p -> p.getFileName().toString().equals(cls + ".java")).toList();
                assertThat(file).as("%s in %s", cls, row).hasSize(1);
                assertThat(Files.readString(file.get(0))).as("%s#%s", cls, method).contains("void " + method + "(");
                named++;
            }
            assertThat(named).as("a test named in: %s", row).isPositive();
        }
    }
}
