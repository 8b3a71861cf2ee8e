package org.mal.cli;

import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.mal.core.model.Metrics;
import org.mal.core.model.ModelCard;
import org.mal.core.zoo.ZooBuilder;
import org.mal.core.zoo.ZooSpec;

/**
 * A progress bar per training run on a terminal; plain log lines when the output is not a terminal
 * (CI logs, pipes), where a redrawn bar would only add noise.
 */
final class TrainingProgress implements ZooBuilder.Listener, AutoCloseable {
    private final PrintWriter out;
    private final boolean terminal = System.console() != null;
    private ProgressBar bar;
    private String label = "";

    TrainingProgress(PrintWriter out) { this.out = out; }

    @Override
    public void entryStarted(ZooSpec.Entry entry, int index, int total, double learningRate) {
        closeBar();
        label = String.format(Locale.ROOT, "[%d/%d] %s lr=%.0e", index + 1, total, entry.id(), learningRate);
        if (!terminal) out.println(label + ": training");
    }

    @Override
    public void stepDone(long step, long totalSteps) {
        if (!terminal) return;
        if (bar == null) {
            bar = new ProgressBarBuilder().setTaskName(label).setInitialMax(totalSteps).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(250).showSpeed().setUnit(" steps", 1).build();
        }
        bar.stepTo(step);
    }

    @Override
    public void epochDone(int epoch, Metrics sample) {
        String line = String.format(Locale.ROOT, "epoch %d: train loss %.4f, acc %.2f%% (on %d rows)",
                epoch, sample.loss(), 100 * sample.accuracy(), sample.samples());
        if (bar != null) bar.setExtraMessage(line);
        else out.println("  " + line);
    }

    @Override
    public void entrySkipped(ZooSpec.Entry entry, ModelCard existing) {
        out.println("kept " + entry.id() + " (already in the zoo)");
    }

    @Override
    public void entryDone(ZooSpec.Entry entry, ModelCard card) {
        closeBar();
        out.printf(Locale.ROOT, "trained %s: lr %.0e, validation acc %.2f%%, test acc %.2f%%, %.1f s%n",
                entry.id(), card.recipe().learningRate(), 100 * card.validation().accuracy(), 100 * card.test().accuracy(),
                card.recipe().trainSeconds());
    }

    private void closeBar() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    @Override
    public void close() { closeBar(); }
}
