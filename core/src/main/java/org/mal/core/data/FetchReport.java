package org.mal.core.data;

import java.util.List;

/** What {@link DataFetcher#fetch} found or did, one entry per dataset. */
public record FetchReport(List<Entry> entries) {

    public enum Status {
        /** Already in the data folder; nothing was done. */
        PRESENT,
        /** Installed, copied or converted during this run. */
        FETCHED,
        /** Could not be provided; the message says what is missing and how to provide it by hand. */
        MISSING
    }

    public record Entry(String dataset, Status status, String message) {}

    public FetchReport {
        entries = List.copyOf(entries);
    }

    /** True when no dataset is missing. */
    public boolean complete() {
        return entries.stream().noneMatch(e -> e.status() == Status.MISSING);
    }

    /** The entry of one dataset. */
    public Entry entry(String dataset) {
        for (Entry e : entries) {
            if (e.dataset().equals(dataset)) return e;
        }
        throw new IllegalArgumentException("no entry for dataset " + dataset + " in this report");
    }

    /** One block per dataset: "name: STATUS" and the message, indented. */
    public String format() {
        StringBuilder sb = new StringBuilder();
        for (Entry e : entries) {
            sb.append(e.dataset()).append(": ").append(e.status()).append('\n');
            sb.append(e.message().indent(2));
        }
        return sb.toString();
    }
}
