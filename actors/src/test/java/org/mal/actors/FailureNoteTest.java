package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.mal.policies.Move;

/** Issue 16, item 8: a failed attempt was printed twice, at about 450 characters. */
class FailureNoteTest {
    @Test
    void aFailedAttemptIsOneShortLine() {
        Move move = new Move("base", "fashion-mnist-equal-32x32x32", "0:0", "weight", Move.canonicalMap(Map.of()), "convex",
                Move.canonicalMap(Map.of()), "threshold", Move.canonicalMap(Map.of()));
        String reason = "model file zoos/default/x.safetensors: the weights' SHA-256 " + "0123456789abcdef".repeat(8)
                + " differs from the card's\n\tat org.mal.core.model.ModelIO.load(ModelIO.java:120)\n" + "x".repeat(300);
        String note = Coordinator.failureNote(move, 2, true, reason);
        assertEquals(1, note.lines().count(), note);
        assertTrue(note.length() <= 200, note.length() + ": " + note);
        assertTrue(note.startsWith("move into fashion-mnist-equal-32x32x32 failed (attempt 2, giving up): model file zoos/default/x.safetensors"),
                note);
        assertTrue(note.endsWith("…"), note);
    }
}
