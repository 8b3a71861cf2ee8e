package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.actors.Search;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchState;

class ReportCommandTest {
    @TempDir Path dir;

    @Test
    void writesChartsAndAnIndexWithTheLineage() throws Exception {
        var zoo = SearchFixture.zoo(dir.resolve("zoo"));
        SearchState s = Search.start(SearchFixture.settings(zoo.dir(), "search.budget.steps = 2\npolicy.laws += { name = experience }"),
                dir.resolve("s"), SearchFixture.TASK_FN, Search.Options.quiet());
        CliRun r = CliRun.of("report", dir.resolve("s").toString());
        assertEquals(0, r.exitCode(), r.err());
        Path report = dir.resolve("s").resolve("report");
        String html = Files.readString(report.resolve("index.html"));
        for (var c : s.lineage()) {
            assertTrue(html.contains(c.assembly().id()), "the lineage is in the index");
            for (String kind : new String[] {"loss", "accuracy"}) {
                Path png = report.resolve("step-" + c.step() + "-" + kind + ".png");
                BufferedImage img = ImageIO.read(png.toFile());
                assertNotNull(img, png + " is a PNG");
                assertTrue(img.getWidth() >= 600 && img.getHeight() >= 400);
                assertTrue(html.contains(png.getFileName().toString()));
            }
        }
        assertNotNull(ImageIO.read(report.resolve("objective.png").toFile()));
        // what the learning law learned from the run's evaluations, feature by feature
        assertTrue(html.contains("What the learning law learned") && html.contains("(intercept)") && html.contains("layer-map:"), html);
        // the running search kept only its current base's results (issue 22); the report reads the whole journal
        int all = org.mal.engine.SearchState.fold(org.mal.engine.SearchFolder.inspect(dir.resolve("s")).runs().get(0)).history().size();
        assertTrue(all >= s.history().size() && all > 0);
        assertTrue(html.contains("from " + all + " evaluations"), html);
        assertNotNull(ImageIO.read(report.resolve("auc-ratio-by-target.png").toFile()));
        CliRun bad = CliRun.of("report", dir.resolve("s").toString(), "--run", "7");
        assertEquals(2, bad.exitCode(), "a bad option value is a usage error");
        assertTrue(bad.err().contains("--run must be 1..1"), bad.err());
        CliRun top = CliRun.of("report", dir.resolve("s").toString(), "--top", "-1");
        assertEquals(2, top.exitCode());
        assertTrue(top.err().contains("--top must be >= 0"), top.err());
    }
}
