package org.mal.policies;

/**
 * One rule of the bag of laws. A law may do any of three things to the candidate moves, each a
 * default method that does nothing, so a law overrides only what it needs:
 *
 * <ul>
 *   <li>{@link #admits} — filter: a move it rejects is dropped from the proposals;
 *   <li>{@link #score} — order: the policy ranks moves by the weighted sum of all laws' scores
 *       (built-in laws score in [0, 1]; ties are broken by the move's canonical encoding);
 *   <li>{@link #parameterise} — rewrite: return a changed move (e.g. its λ policy).
 * </ul>
 *
 * <p>A {@link Policy} applies its laws in configuration order: law k sees only moves that laws
 * 0..k-1 admitted, as they rewrote them. Laws must be deterministic given their arguments.
 *
 * <p>To plug in a law: implement this interface, give it a public constructor taking the law's
 * {@code com.typesafe.config.Config} settings (or none), and name its fully qualified class name in
 * the policy's {@code laws} list; or write a {@link LawFactory}, list it in
 * {@code META-INF/services/org.mal.policies.LawFactory}, and name it by its {@link LawFactory#name()}.
 */
public interface Law {

    /** The name the law is configured by. */
    String name();

    /** Whether {@code move} may be proposed at all. */
    default boolean admits(Move move, MoveFeatures features, PolicyContext ctx) { return true; }

    /** This law's preference for {@code move}; higher is proposed earlier. */
    default double score(Move move, MoveFeatures features, PolicyContext ctx) { return 0.0; }

    /** The move as this law wants it run; the layer map may change, the base and target may not. */
    default Move parameterise(Move move, MoveFeatures features, PolicyContext ctx) { return move; }

    /**
     * For incremental planning ({@link IncrementalPlanner}): a law that returns a value here
     * promises that its {@link #admits}, {@link #score} and {@link #parameterise} of a move depend
     * only on the move without its base id (targets, layer map, methods), the move's features, the
     * target cards in the zoo, and, of the base's card, on nothing but its architecture, its dataset
     * task and the value returned (compared by {@code equals}); never on the history. A planner may
     * then keep its verdicts and scores from step to step and across bases that agree on these.
     * Empty (the default): not known, and a policy with such a law is planned from scratch at every step.
     */
    default java.util.Optional<Object> planningKey(org.mal.core.model.ModelCard base) { return java.util.Optional.empty(); }
}
