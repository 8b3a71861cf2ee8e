package org.mal.engine;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.mal.policies.Move;

/**
 * A search at a glance, as {@code status.json} (kept current by the reporter) and
 * {@code ./mal search status} show it. Keys are snake_case. {@code skipped}: zoo entries that are not
 * targets, with the reason (absent in a status.json of an older build).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record Status(int run, String phase, String paused, String stopped, int step, int evaluations, int cacheHits, int failures,
                     int inFlight, String origin, String base, String baseHash, List<Accepted> lineage, String startedAt,
                     String updatedAt, double elapsedSeconds, String note, Map<String, String> skipped) {

    /** One accepted step of the lineage. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Accepted(int step, String target, String layerMap, double lambda, double score, String assembly, String assemblyHash) {}

    public static Status of(SearchState s, int inFlight, String note, Instant now) {
        List<Accepted> lineage = new ArrayList<>();
        for (SearchEvent.StepClosed c : s.lineage()) {
            Move m = c.accepted();
            lineage.add(new Accepted(c.step(), m.targetNames(), m.layerMap(), c.assembly().merge().lambda(), c.score(), c.assembly().id(),
                    c.assembly().weightsHash()));
        }
        String phase = s.paused() != null && s.stopped() == null ? "paused" : s.phase().name().toLowerCase();
        return new Status(s.run(), phase, s.paused(), s.stopped(), s.step(), s.evaluations(), s.cacheHits(), s.failures(), inFlight,
                s.origin().id(), s.base().id(), s.base().weightsHash(), lineage, s.startedAt().toString(), now.toString(),
                s.elapsedSeconds(now), note, skipped(s));
    }

    /** The zoo entries that are not targets and why: those the zoo index skips, and models found unusable. */
    public static Map<String, String> skipped(SearchState s) {
        Map<String, String> out = new TreeMap<>(s.skipped());
        s.unusable().forEach((id, u) -> out.put(id, "unusable until its file changes: " + u.reason()));
        return out;
    }
}
