package org.mal.engine;

import java.util.AbstractList;
import java.util.HashSet;
import java.util.List;
import java.util.RandomAccess;
import java.util.Set;
import org.mal.policies.Move;

/**
 * A step's planned moves: an immutable list in plan order whose {@link #contains} is a hash
 * look-up, so that checking each of a step's n results against the plan is O(n) in all, not O(n²)
 * ({@link SearchState#apply}). Made once per plan; states of one step share it.
 */
final class PlannedMoves extends AbstractList<Move> implements RandomAccess {
    private final Move[] moves;
    private final Set<Move> set;

    private PlannedMoves(List<Move> moves) {
        this.moves = moves.toArray(new Move[0]);
        this.set = new HashSet<>(moves);
        if (set.contains(null)) throw new NullPointerException("a planned move is null");
    }

    /** {@code moves} itself when it is one, else a copy. */
    static PlannedMoves of(List<Move> moves) { return moves instanceof PlannedMoves p ? p : new PlannedMoves(moves); }

    @Override
    public Move get(int index) { return moves[index]; }

    @Override
    public int size() { return moves.length; }

    @Override
    public boolean contains(Object o) { return set.contains(o); }

    /** How many different moves (a plan should hold no move twice; an old journal's might). */
    int distinct() { return set.size(); }
}
