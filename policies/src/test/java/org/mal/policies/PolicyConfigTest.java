package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class PolicyConfigTest {

    private static String failure(String hocon) {
        return assertThrows(ConfigException.class, () -> Policy.parse(hocon)).getMessage();
    }

    @Test
    void theDefaultConfFileBuildsThePaperPolicy() throws Exception {
        Path conf = Path.of("..", "conf", "laws.conf");
        assertTrue(Files.exists(conf), "conf/laws.conf next to the module");
        Policy p = Policy.load(ConfigFactory.parseFile(conf.toFile()).resolve());
        assertEquals(List.of("strong-base", "width-tolerance", "depth-order", "merging-threshold", "experience"),
                p.laws().stream().map(w -> w.law().name()).toList());
        assertEquals("retention", p.objective().name());
        List<Policy.Proposal> ps = p.propose(ctx());
        assertFalse(ps.isEmpty());
        assertTrue(ps.stream().allMatch(x -> x.move().lambdaPolicy().equals("threshold")));
        assertTrue(ps.stream().allMatch(x -> x.features().maxDepthGap() <= 0.25 + 1e-12));
        // every key in the file is a real setting: the file equals the defaults it documents
        assertEquals(Policy.parse("policy { laws = [ {name = strong-base}, {name = width-tolerance}, {name = depth-order},"
                + " {name = merging-threshold}, {name = experience} ] }").propose(ctx()), ps);
    }

    @Test
    void anUnknownLawListsTheKnownOnesAndHowToPlugIn() {
        String msg = failure("policy { laws = [ { name = depth-order }, { name = stong-base } ] }");
        assertTrue(msg.contains("policy.laws[1].name"), msg);
        assertTrue(msg.contains("unknown law 'stong-base'"), msg);
        assertTrue(msg.contains("depth-order") && msg.contains("merging-threshold") && msg.contains("strong-base")
                && msg.contains("width-tolerance"), msg);
        assertTrue(msg.contains("META-INF/services/org.mal.policies.LawFactory") && msg.contains("org.mal.policies.Law"), msg);
        String cls = failure("policy { laws = [ { name = com.example.NoSuchLaw } ] }");
        assertTrue(cls.contains("no class com.example.NoSuchLaw"), cls);
    }

    @Test
    void anUnknownObjectiveNamesItsPath() {
        String msg = failure("policy { objective { name = accuracy } }");
        assertTrue(msg.contains("policy.objective.name") && msg.contains("multitask") && msg.contains("retention"), msg);
    }

    @Test
    void mistypedMisspeltAndMissingKeysNameTheirPath() {
        String typed = failure("policy { laws = [ { name = strong-base }, { name = depth-order, tolerance = deep } ] }");
        assertTrue(typed.contains("policy.laws[1].tolerance"), typed);
        String misspelt = failure("policy { laws = [ { name = depth-order, tolerence = 0.3 } ] }");
        assertTrue(misspelt.contains("policy.laws[0].tolerence") && misspelt.contains("require-order"), misspelt);
        String missing = failure("policy { laws = [ { weight = 2 } ] }");
        assertTrue(missing.contains("policy.laws[0].name"), missing);
        String candidates = failure("policy { candidates { identiy = false } }");
        assertTrue(candidates.contains("policy.candidates.identiy"), candidates);
        String move = failure("policy { candidates { move { lambda-settings = 0.5 } } }");
        assertTrue(move.contains("policy.candidates.move.lambda-settings"), move);
        String range = failure("policy { laws = [ { name = strong-base, weak-below = 1.5 } ] }");
        assertTrue(range.contains("policy.laws[0].weak-below"), range);
        String weight = failure("policy { laws = [ { name = strong-base, weight = heavy } ] }");
        assertTrue(weight.contains("policy.laws[0].weight"), weight);
        String top = failure("policy { law = [] }");
        assertTrue(top.contains("policy.law"), top);
    }

    @Test
    void maxProposalsCutsTheRankedList() {
        List<Policy.Proposal> all = policy("{ name = strong-base }").propose(ctx());
        List<Policy.Proposal> top = Policy.parse("policy { laws = [ { name = strong-base } ], max-proposals = 5 }").propose(ctx());
        assertEquals(all.subList(0, 5), top);
    }
}
