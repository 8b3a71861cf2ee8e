package org.mal.policies;

import static org.junit.jupiter.api.Assertions.*;
import static org.mal.policies.Fixtures.*;

import com.typesafe.config.ConfigException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.core.config.Plugins;

/** Plug-ins that exist only in the test sources, found by registered name and by class name. */
class PluginTest {

    @Test
    void aLawRegisteredThroughServiceLoaderIsUsedByItsName() {
        assertTrue(new Plugins<>("law", Law.class, LawFactory.class, Policy.loader()).names().contains("only-target"));
        List<Policy.Proposal> ps = policy("{ name = only-target, target = f-deep }").propose(ctx());
        assertFalse(ps.isEmpty());
        assertTrue(ps.stream().allMatch(p -> p.move().target().equals("f-deep")));
        assertEquals(1, ps.get(0).features().layers().size());
    }

    @Test
    void aLawNamedByItsClassNameIsUsedAndComposedWithBuiltIns() {
        List<Policy.Proposal> ps = policy("{ name = org.mal.policies.OnlyTargetLaw, target = m-strong }, { name = merging-threshold }").propose(ctx());
        assertFalse(ps.isEmpty());
        assertTrue(ps.stream().allMatch(p -> p.move().target().equals("m-strong") && p.move().lambdaPolicy().equals("threshold")));
        // the factory class works too
        assertFalse(policy("{ name = \"org.mal.policies.OnlyTargetLaw$Factory\", target = m-strong }").propose(ctx()).isEmpty());
    }

    @Test
    void anObjectiveNamedByItsClassNameIsUsed() {
        Objective o = policy("", "{ name = org.mal.policies.LowBarrierObjective }").objective();
        assertEquals("low-barrier", o.name());
        assertEquals(-0.1, o.score(Evaluated.ok(move("f-deep", "0:0"), report(0.5, 0.9, Map.of("mnist", 0.9)))), 1e-12);
        String msg = assertThrows(ConfigException.class,
                () -> policy("", "{ name = org.mal.policies.LowBarrierObjective, strength = 2 }")).getMessage();
        assertTrue(msg.contains("takes no settings") && msg.contains("strength"), msg);
    }

    @Test
    void aLawThatScoresNaNIsNamedInsteadOfRankedFirst() {
        String msg = assertThrows(IllegalStateException.class,
                () -> policy("{ name = org.mal.policies.NanScoreLaw }").propose(ctx())).getMessage();
        assertTrue(msg.contains("law nan-score scored NaN"), msg);
    }

    @Test
    void aClassThatIsNotALawIsRefusedWithItsPath() {
        String msg = assertThrows(ConfigException.class, () -> policy("{ name = java.lang.String }")).getMessage();
        assertTrue(msg.contains("policy.laws[0].name") && msg.contains("implements neither"), msg);
    }
}
