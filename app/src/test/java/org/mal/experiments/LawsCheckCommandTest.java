package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.mal.core.stats.ClusterBootstrap;

class LawsCheckCommandTest {
    /** Relative depth i/(hidden−1): the last of 3 layers matches the last of 6; a deeper target layer is deep → shallow. */
    @Test
    void singleLayerMapsAreGroupedByRelativeDepth() {
        assertEquals(LawsCheckCommand.MATCHED, LawsCheckCommand.depthGroup(2, 3, 5, 6));
        assertEquals(LawsCheckCommand.MATCHED, LawsCheckCommand.depthGroup(0, 2, 0, 6));
        assertEquals(LawsCheckCommand.DEEP_TO_SHALLOW, LawsCheckCommand.depthGroup(0, 3, 1, 6), "target at 0.2 into base at 0");
        assertEquals(LawsCheckCommand.SHALLOW_TO_DEEP, LawsCheckCommand.depthGroup(1, 2, 4, 6), "target at 0.8 into base at 1.0");
        assertEquals(LawsCheckCommand.MATCHED, LawsCheckCommand.depthGroup(0, 1, 0, 1), "single hidden layers");
    }

    @Test
    void aVerdictFollowsTheIntervalAndTheSideTheLawPredicts() {
        ClusterBootstrap.Interval above = new ClusterBootstrap.Interval(0.2, 0.1, 0.3, 0.95, 2000, 40);
        ClusterBootstrap.Interval spans = new ClusterBootstrap.Interval(0.05, -0.1, 0.2, 0.95, 2000, 40);
        ClusterBootstrap.Interval below = new ClusterBootstrap.Interval(-0.2, -0.3, -0.1, 0.95, 2000, 40);
        assertEquals("holds", LawsCheckCommand.verdict(above, 1));
        assertEquals("contradicted", LawsCheckCommand.verdict(below, 1));
        assertEquals("holds", LawsCheckCommand.verdict(below, -1));
        assertEquals("no difference shown", LawsCheckCommand.verdict(spans, 1));
        assertEquals("in line", LawsCheckCommand.verdict(spans, 0), "no cost expected, none shown");
        assertEquals("in line", LawsCheckCommand.verdict(below, 0));
        assertEquals("contradicted (a cost)", LawsCheckCommand.verdict(above, 0));
    }
}
