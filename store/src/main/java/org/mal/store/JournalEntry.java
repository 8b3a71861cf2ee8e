package org.mal.store;

import java.util.Objects;

/**
 * One journal record: its sequence number (1, 2, 3, ... without gaps) and the event as JSON.
 *
 * @param seq the sequence number {@link MalStore#append} returned for it
 * @param eventJson the event exactly as appended
 */
public record JournalEntry(long seq, String eventJson) {
    public JournalEntry {
        if (seq < 1) throw new IllegalArgumentException("sequence numbers start at 1, got " + seq);
        Objects.requireNonNull(eventJson, "eventJson");
    }
}
