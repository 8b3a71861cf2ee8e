package org.mal.experiments;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.cli.Main;
import org.mal.core.model.Metrics;
import picocli.CommandLine;

class CnnPairsCommandTest {
    @Test
    void barriersAreAgainstTheParentsAndTheMidpointIsOnTheGrid() {
        double[] lambdas = {0, 0.5, 1};
        // method 0 rises above the parents' line in the middle; method 1 ends below the target (a merge at 1 that is not it)
        double[][] loss = {{0.4, 1.0, 0.6}, {0.4, 0.45, 0.3}};
        double[][] acc = {{90, 60, 80}, {90, 86, 84}};
        CnnPairsCommand.Result r = new CnnPairsCommand.Result("p", "a", "b", "whole network", lambdas, loss, acc, new Metrics(0.4, 0.90, 100),
                new Metrics(0.6, 0.80, 100));
        assertEquals(1.0 - 0.5, r.lossBarrier(0), 1e-12);
        assertEquals(0, r.lossBarrier(1), 1e-12, "never above the line: the barrier is that of lambda 0, where both are the base");
        assertEquals(85 - 60, r.accuracyBarrier(0), 1e-9);
        assertEquals(0, r.accuracyBarrier(1), 1e-9, "at lambda 0 the line and the curve meet");
        assertEquals(60, r.midpointAccuracy(0), 0);
        assertEquals(86, r.midpointAccuracy(1), 0);
    }

    @Test
    void aMissingZooOrPairKeyIsAnErrorNamingIt(@TempDir Path dir) throws Exception {
        Path conf = dir.resolve("pairs.conf");
        Files.writeString(conf, "cnn-pairs { zoo = " + dir.resolve("none") + ", task = fashion-mnist, pairs = [{ name = x, base = a }], grid = 11,"
                + " stats-rows = 100, validation-rows = 100, test-rows = 0, out = " + dir.resolve("out") + " }");
        String err = run("cnn-pairs", "--conf", conf.toString());
        assertTrue(err.contains("cnn-pairs.zoo") && err.contains("does not exist"), err);
        Files.createDirectories(dir.resolve("zoo"));
        Files.writeString(conf, Files.readString(conf).replace(dir.resolve("none").toString(), dir.resolve("zoo").toString()));
        err = run("cnn-pairs", "--conf", conf.toString());
        assertTrue(err.contains("cnn-pairs.pairs") && err.contains("pair 0 has no target"), err);
        Files.writeString(conf, Files.readString(conf).replace("grid = 11", "grid = 10"));
        err = run("cnn-pairs", "--conf", conf.toString());
        assertTrue(err.contains("cnn-pairs.grid"), err);
    }

    private static String run(String... args) {
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        assertNotEquals(0, cli.execute(args));
        return err.toString();
    }
}
