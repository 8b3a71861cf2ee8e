package org.mal.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.mal.store.Integrity;
import org.mal.store.MalStore;
import org.mal.store.StoreRepair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code mal store verify|repair}: check a store's every value, or recover a store whose CURRENT file or MANIFEST is damaged. */
@Command(name = "store", mixinStandardHelpOptions = true,
        description = "Check or repair a RocksDB store (a search folder's store/, or a learning-check store).",
        subcommands = {StoreCommand.Verify.class, StoreCommand.Repair.class})
final class StoreCommand implements Runnable {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is missing: verify or repair");
    }

    @Command(name = "verify", mixinStandardHelpOptions = true,
            description = "Open the store and check every value (envelope and CRC, the journal's sequence, every blob's chunks). "
                    + "Changes nothing. Exits with 1 and says what is damaged when it is.")
    static final class Verify implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Parameters(index = "0", description = "The store folder, or a search folder holding store/.")
        Path dir;

        @Override
        public Integer call() {
            Path store = storeOf(dir);
            try (MalStore s = MalStore.openExisting(store)) {
                command.commandLine().getOut().println("store " + store + " is sound: " + describe(s.verify()));
            }
            return 0;
        }
    }

    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Recover a store whose CURRENT file or MANIFEST is damaged. First copies the folder whole to "
                    + "<store>.backup-<time> next to it (and says where); a sound store is left alone.")
    static final class Repair implements Callable<Integer> {
        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec command;

        @Parameters(index = "0", description = "The store folder, or a search folder holding store/.")
        Path dir;

        @Override
        public Integer call() {
            PrintWriter out = command.commandLine().getOut();
            Path store = storeOf(dir);
            StoreRepair.Repaired r = StoreRepair.repair(store);
            if (r.backup() == null) {
                out.println("store " + store + " is not damaged; nothing changed: " + describe(r.integrity()));
                return 0;
            }
            out.println("damaged: " + r.damage());
            out.println("backup:  " + r.backup() + " (the folder as it was)");
            out.println("repair:  " + r.action());
            out.println("store " + store + " is sound: " + describe(r.integrity()));
            return 0;
        }
    }

    /** The store inside a search folder, or the folder itself. */
    static Path storeOf(Path dir) {
        Path inner = dir.resolve(org.mal.engine.SearchFolder.STORE);
        return Files.isDirectory(inner) && !Files.exists(dir.resolve("CURRENT")) ? inner : dir;
    }

    static String describe(Integrity i) {
        return String.format(Locale.ROOT, "%d journal events, %d cached evaluations, %d blobs (%.1f MB), %d orphan chunks",
                i.journalEntries(), i.evaluations(), i.blobs(), i.blobBytes() / 1e6, i.orphanChunks());
    }
}
