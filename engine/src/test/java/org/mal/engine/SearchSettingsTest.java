package org.mal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SearchSettingsTest {

    @Test
    void defaultsFillEveryKeyButTheBase() {
        SearchSettings s = SearchSettings.parse("search { base = m }");
        assertEquals("m", s.base());
        assertEquals(Path.of("zoos/default"), s.zoo());
        assertEquals(4, s.movesPerStep());
        assertEquals(11, s.evaluation().grid());
        assertEquals(5, s.budget().steps());
        assertEquals(2, s.retries());
        assertEquals("retention", s.policy().objective().name());
    }

    @Test
    void workerNodesFetchBlobsUnlessTheSearchSaysTheyShareAFolder() {
        assertEquals(SearchSettings.Cluster.TRANSFER, SearchSettings.parse("search { base = m }").cluster().files());
        assertFalse(SearchSettings.parse("search { base = m }").cluster().sharedFolder());
        assertTrue(SearchSettings.parse("search { base = m, cluster.files = shared }").cluster().sharedFolder());
        var e = assertThrows(RuntimeException.class, () -> SearchSettings.parse("search { base = m, cluster.files = nfs }"));
        assertTrue(e.getMessage().contains("search.cluster.files") && e.getMessage().contains("nfs"), e.getMessage());
    }

    @Test
    void theShippedConfigurationParses() {
        SearchSettings s = SearchSettings.from(ConfigFactory.parseFile(Path.of("../conf/search-default.conf").toFile()));
        assertEquals("mnist-equal-64x64x64", s.base());
        assertEquals(5, s.policy().laws().size(), "the laws of conf/laws.conf");
    }

    @Test
    void aCopiedSearchConfigurationRunsAndJournalsTheDocumentedPolicy(@TempDir Path dir) throws Exception {
        Path copy = Files.copy(Path.of("../conf/search-default.conf"), dir.resolve("search-default.conf"));   // without laws.conf
        SearchSettings s = SearchSettings.from(SearchSettings.readFile(copy));
        List<String> laws = List.of("strong-base", "width-tolerance", "depth-order", "merging-threshold", "experience");
        assertEquals(laws, s.policy().laws().stream().map(w -> w.law().name()).toList());
        assertEquals(laws, SearchSettings.ofRun(s.render()).policy().laws().stream().map(w -> w.law().name()).toList(),
                "the journaled settings name the laws the run ran with");
        assertEquals("laws strong-base, width-tolerance, depth-order, merging-threshold, experience; objective retention",
                s.policy().describe());
    }

    @Test
    void aMissingIncludeIsAnErrorNamingTheFile(@TempDir Path dir) throws Exception {
        Path conf = Files.writeString(dir.resolve("mine.conf"), "include \"laws.conf\"\nsearch { base = m }\n");
        var e = assertThrows(IllegalArgumentException.class, () -> SearchSettings.readFile(conf));
        assertTrue(e.getMessage().contains("mine.conf") && e.getMessage().contains("laws.conf"), e.getMessage());
        Files.copy(Path.of("../conf/laws.conf"), dir.resolve("laws.conf"));
        assertEquals(5, SearchSettings.from(SearchSettings.readFile(conf)).policy().laws().size(), "found next to the file");
    }

    @Test
    void aRunJournaledWithoutLawsResumesWithoutLaws() {
        // journals written before the documented policy was the default: no laws named meant none
        assertEquals(0, SearchSettings.ofRun("search { base = m }").policy().laws().size());
        assertEquals(0, SearchSettings.ofRun("search { base = m }, policy { objective { name = retention } }").policy().laws().size());
    }

    @Test
    void aMisspeltKeyIsNamedWithItsPath() {
        var e = assertThrows(ConfigException.class, () -> SearchSettings.parse("search { base = m, budget { stepz = 3 } }"));
        assertTrue(e.getMessage().contains("search.budget.stepz"), e.getMessage());
        var top = assertThrows(ConfigException.class, () -> SearchSettings.parse("search { base = m }, serach { }"));
        assertTrue(top.getMessage().contains("serach"), top.getMessage());
        var law = assertThrows(ConfigException.class, () -> SearchSettings.parse("search { base = m }, policy { lawz = [] }"));
        assertTrue(law.getMessage().contains("policy.lawz"), law.getMessage());
    }

    @Test
    void badValuesAreNamed() {
        assertTrue(assertThrows(ConfigException.class, () -> SearchSettings.parse("search { }")).getMessage().contains("search.base"));
        assertTrue(assertThrows(ConfigException.class, () -> SearchSettings.parse("search { base = m, moves-per-step = 0 }"))
                .getMessage().contains("search.moves-per-step"));
        assertTrue(assertThrows(ConfigException.class, () -> SearchSettings.parse("search { base = m, evaluation { grid = 1 } }"))
                .getMessage().contains("search.evaluation.grid"));
        assertTrue(assertThrows(ConfigException.class, () -> SearchSettings.parse("search { base = m, budget { steps = -1 } }"))
                .getMessage().contains("search.budget"));
    }

    @Test
    void theRenderedSettingsReadBackEqual() {
        SearchSettings s = SearchSettings.parse("search { base = m, seed = 9, budget { steps = 7 } }, policy { laws = [ { name = depth-order } ] }");
        SearchSettings back = SearchSettings.parse(s.render());
        assertEquals(s.seed(), back.seed());
        assertEquals(s.budget(), back.budget());
        assertEquals(s.evaluation(), back.evaluation());
        assertEquals(s.policy().laws().get(0).law().name(), back.policy().laws().get(0).law().name());
    }
}
