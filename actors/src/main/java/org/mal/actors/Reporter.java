package org.mal.actors;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.mal.engine.SearchJson;
import org.mal.engine.SearchState;
import org.mal.engine.Status;

/**
 * Shows a search's progress: a progress bar on a terminal (plain lines otherwise, for logs), and
 * {@code status.json} in the store's folder, rewritten atomically at most every
 * {@code minIntervalMillis} and on every noted event, so {@code ./mal search status} can read it
 * while the search holds the store. Stops itself after {@link Final}.
 */
public final class Reporter {
    private Reporter() {}

    public sealed interface Command {}

    public record Update(SearchState state, int inFlight, String note) implements Command {}

    /** The run is over (or paused): write the last status and stop. */
    public record Final(SearchState state) implements Command {}

    public static final String STATUS_FILE = "status.json";

    /**
     * @param out where notes are printed (null: nowhere)
     * @param expected moves the budget allows, for the bar (0: unknown)
     * @param bar whether to draw a bar (only on a terminal)
     * @param onState called with every state the reporter is given (the runner keeps the last)
     */
    public static Behavior<Command> create(Path dir, PrintWriter out, long expected, boolean bar, long minIntervalMillis,
                                          java.util.function.Consumer<SearchState> onState) {
        return Behaviors.setup(ctx -> new Object() {
            ProgressBar progress;
            long lastWrite;
            Update last;

            Behavior<Command> behavior() {
                return Behaviors.receive(Command.class)
                        .onMessage(Update.class, u -> {
                            last = u;
                            onState.accept(u.state());
                            long now = System.currentTimeMillis();
                            if (u.note() != null || now - lastWrite >= minIntervalMillis) {
                                write(u.state(), u.inFlight(), u.note());
                                lastWrite = now;
                            }
                            if (u.note() != null && out != null) {
                                if (progress != null) progress.setExtraMessage(u.note());
                                else out.println(u.note());
                                out.flush();
                            }
                            tick(u.state());
                            return Behaviors.same();
                        })
                        .onMessage(Final.class, f -> {
                            onState.accept(f.state());
                            write(f.state(), 0, f.state().stopped() != null ? "stopped: " + f.state().stopped()
                                    : f.state().paused() != null ? "paused: " + f.state().paused() : null);
                            if (progress != null) progress.close();
                            return Behaviors.stopped();
                        })
                        .build();
            }

            void tick(SearchState s) {
                if (!bar) return;
                if (progress == null) {
                    progress = new ProgressBarBuilder().setTaskName("search").setInitialMax(expected > 0 ? expected : -1)
                            .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(250).setUnit(" moves", 1).build();
                }
                progress.stepTo(s.evaluations() + s.cacheHits());
            }

            void write(SearchState s, int inFlight, String note) {
                try {
                    Path tmp = dir.resolve(STATUS_FILE + ".part");
                    Files.writeString(tmp, SearchJson.MAPPER.writerWithDefaultPrettyPrinter()
                            .writeValueAsString(Status.of(s, inFlight, note, Instant.now())));
                    Files.move(tmp, dir.resolve(STATUS_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    ctx.getLog().warn(String.format(Locale.ROOT, "cannot write %s: %s", dir.resolve(STATUS_FILE), e.getMessage()));
                }
            }
        }.behavior());
    }
}
