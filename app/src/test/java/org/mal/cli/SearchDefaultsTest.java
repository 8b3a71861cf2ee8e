package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The defaults live in reference.conf; conf/search-default.conf and conf/figure1.conf show them: they must agree. */
class SearchDefaultsTest {
    static void agree(Config shown, Config ref, String where) {
        for (Map.Entry<String, com.typesafe.config.ConfigValue> e : shown.entrySet()) {
            assertTrue(ref.hasPath(e.getKey()), where + "." + e.getKey() + " has no default in reference.conf");
            Object a = e.getValue().unwrapped();
            Object b = ref.getValue(e.getKey()).unwrapped();
            if (a instanceof Number x && b instanceof Number y) assertEquals(y.doubleValue(), x.doubleValue(), where + "." + e.getKey());
            else assertEquals(b, a, where + "." + e.getKey());
        }
    }

    @Test
    void theShippedConfigurationsShowTheDefaults() {
        Config ref = ConfigFactory.defaultReference();
        Config search = ConfigFactory.parseFile(Path.of("../conf/search-default.conf").toFile()).resolve().getConfig("search");
        agree(search.withoutPath("base"), ref.getConfig("mal.search"), "search");
        Config fig = ConfigFactory.parseFile(Path.of("../conf/figure1.conf").toFile()).resolve().getConfig("figure1");
        agree(fig, ref.getConfig("mal.figure1"), "figure1");
    }

    /** Every shipped search configuration is valid: its search settings and its policy load (every method and setting checked). */
    @Test
    void everyShippedSearchConfigurationLoads() throws Exception {
        try (var files = java.nio.file.Files.list(Path.of("../conf"))) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("search-")).sorted().toList()) {
                // as search start reads it (every include required); a file without a policy block runs the default one
                org.mal.engine.SearchSettings.from(org.mal.engine.SearchSettings.readFile(f)).policy();
            }
        }
        var soups = org.mal.engine.SearchSettings.from(org.mal.engine.SearchSettings.readFile(Path.of("../conf/search-soups.conf")));
        assertEquals(3, soups.policy().candidates().soupSize());
    }
}
