package org.mal.engine;

import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Function;
import org.mal.core.data.Synthetic;
import org.mal.core.data.TaskData;
import org.mal.core.zoo.Zoo;
import org.mal.core.zoo.ZooBuilder;
import org.mal.core.zoo.ZooSpec;

/**
 * A small zoo of CNNs (plain and residual, channel widths 2 and 4, depth 2) trained by the zoo
 * builder on a synthetic task of 8×8 one-channel images (seeded: every JVM that builds it gets the
 * same weights), each model on the same 240-row sample of the task ({@code zoo.training.rows}, seed
 * {@link #SAMPLE_SEED}), and search settings for it. Builds in a few seconds.
 */
public final class CnnSearchFixture {
    private CnnSearchFixture() {}

    public static final Map<String, TaskData> TASKS = Map.of("pix", Synthetic.gaussianBlobs("pix", 400, 300, 64, 3, 7));

    public static final Function<String, TaskData> TASK_FN = name -> {
        TaskData t = TASKS.get(name);
        if (t == null) throw new IllegalArgumentException("no test task " + name);
        return t;
    };

    public static final String BASE = "pix-cnn-equal-4x4";

    /** The zoo's {@code training.seed}, which draws the 240-row sample every model trains on. */
    public static final long SAMPLE_SEED = 5;

    public static final int MODELS = 8;

    /** Trains the zoo into {@code dir} unless it is there. */
    public static Zoo zoo(Path dir) throws IOException {
        Zoo zoo = new Zoo(dir);
        if (Files.isDirectory(dir) && zoo.list().size() >= MODELS) return zoo;
        ZooSpec spec = ZooSpec.from(ConfigFactory.parseString("""
                zoo {
                  name = t, datasets = [pix], networks = [cnn, resnet], families = [equal, wide-to-narrow, narrow-to-wide], depths = [2]
                  widths = [2, 4], architectures = []
                  training { optimizer = adam, learning-rates = [3e-2], epochs = 2, batch-size = 32, seed = %d, validation-fraction = 0.25, rows = 240 }
                }""".formatted(SAMPLE_SEED)));
        new ZooBuilder(spec, zoo, TASK_FN).build(new ZooBuilder.Listener() {});
        return zoo;
    }

    /** Settings for a search of {@link #BASE} over {@code zoo}; {@code extra} is HOCON appended last (it wins). */
    public static SearchSettings settings(Path zoo, String extra) {
        return SearchSettings.parse("""
                search {
                  zoo = "%s"
                  base = %s
                  seed = 3
                  workers = 2
                  moves-per-step = 3
                  evaluation { grid = 5, rows = 100, tolerance = 0.5, sample-seed = %d }
                  budget { steps = 3, patience = 0 }
                  retries = 1
                  zoo-poll-seconds = 0.2
                  drain-seconds = 20
                }
                policy {
                  candidates { max-per-target = 4, move { merger-settings { repair = true, repair-rows = 100 } } }
                  laws = [ { name = feature-maps }, { name = merging-threshold, refine = 2 } ]
                  objective { name = retention }
                }
                %s
                """.formatted(zoo.toString().replace("\\", "\\\\"), BASE, SAMPLE_SEED, extra));
    }
}
