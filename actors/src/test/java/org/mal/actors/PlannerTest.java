package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.model.ModelCard;
import org.mal.engine.SearchFixture;
import org.mal.engine.SearchSettings;
import org.mal.policies.Policy;
import org.mal.policies.ZooIndex;

class PlannerTest {
    static final ActorTestKit kit = ActorTestKit.create("planner-test");
    @TempDir static Path dir;
    static ZooIndex zoo;
    static ModelCard base;

    @BeforeAll
    static void zoo() throws Exception {
        zoo = SearchFixture.index(SearchFixture.zoo(dir.resolve("zoo")));
        base = zoo.require(SearchFixture.BASE);
    }

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    @Test
    void proposesTheBestMovesNotExcluded() {
        Policy policy = SearchFixture.settings(dir.resolve("zoo"), "").policy();
        TestProbe<Planner.Result> probe = kit.createTestProbe(Planner.Result.class);
        var planner = kit.spawn(Planner.create(policy));
        planner.tell(new Planner.Plan(0, base, zoo, List.of(), Set.of(), 3, probe.ref()));
        Planner.Planned first = probe.expectMessageClass(Planner.Planned.class);
        assertEquals(3, first.moves().size());
        assertEquals(policy.propose(new org.mal.policies.PolicyContext(base, zoo)).stream().limit(3).map(p -> p.move()).toList(),
                first.moves(), "the policy's ranking order");

        planner.tell(new Planner.Plan(0, base, zoo, List.of(), new HashSet<>(first.moves()), 3, probe.ref()));
        Planner.Planned second = probe.expectMessageClass(Planner.Planned.class);
        assertEquals(3, second.moves().size());
        assertFalse(second.moves().stream().anyMatch(first.moves()::contains), "excluded moves are not proposed again");
    }

    @Test
    void aPolicyThatThrowsIsReportedNotSwallowed() {
        Policy policy = SearchSettings.parse("search { base = x }, policy { laws = [ { name = \"" + ThrowingLaw.class.getName() + "\" } ] }")
                .policy();
        TestProbe<Planner.Result> probe = kit.createTestProbe(Planner.Result.class);
        var planner = kit.spawn(Planner.create(policy));
        planner.tell(new Planner.Plan(4, base, zoo, List.of(), Set.of(), 3, probe.ref()));
        Planner.PlanFailed f = probe.expectMessageClass(Planner.PlanFailed.class);
        assertEquals(4, f.step());
        assertTrue(f.reason().contains("law exploded"), f.reason());
    }
}
