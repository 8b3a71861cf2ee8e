package org.mal.experiments;

import org.mal.core.cnn.CnnArchitecture;
import org.mal.core.cnn.CnnModel;
import org.mal.core.cnn.CnnWeightMatching;

/**
 * How {@code figure1-cnn} brings a target CNN into a base CNN's basis before a convex merge. The only
 * implementation today is weight matching between two CNNs of one architecture
 * ({@link #SAME_ARCHITECTURE}); pairs it does not {@link #supports support} are left out of the figure
 * and counted. A heterogeneous aligner (channel-count mismatch, through {@code CnnWeightMatching} and
 * {@code CnnMerge} once they handle it) plugs in by implementing this interface: it returns the target
 * carried into a model of the base's architecture, which is then merged with {@code CnnMerge.convex}.
 */
interface CnnPairAlignment {
    /** Whether this alignment handles a base of {@code base}'s architecture and a target of {@code target}'s. */
    boolean supports(CnnArchitecture base, CnnArchitecture target);

    /** The target in the base's architecture and basis (neither model is modified). */
    CnnModel align(CnnModel base, CnnModel target);

    /** A short name for tables. */
    String label();

    /** Git Re-Basin's weight matching ({@link CnnWeightMatching}, default settings) for one architecture. */
    CnnPairAlignment SAME_ARCHITECTURE = new CnnPairAlignment() {
        @Override
        public boolean supports(CnnArchitecture base, CnnArchitecture target) { return base.equals(target); }

        @Override
        public CnnModel align(CnnModel base, CnnModel target) {
            return target.permuted(CnnWeightMatching.align(base, target, CnnWeightMatching.Settings.DEFAULT).perms());
        }

        @Override
        public String label() { return "weight matching"; }
    };
}
