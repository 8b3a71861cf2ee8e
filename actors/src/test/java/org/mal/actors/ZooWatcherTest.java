package org.mal.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.core.zoo.Zoo;
import org.mal.engine.SearchFixture;
import org.mal.policies.ZooIndex;

class ZooWatcherTest {
    static final ActorTestKit kit = ActorTestKit.create("zoo-watcher-test");
    @TempDir Path dir;

    @AfterAll
    static void stop() { kit.shutdownTestKit(); }

    @Test
    void modelsThatComeAndGoAreReportedAndHalfCopiedFilesWait() throws Exception {
        Zoo full = SearchFixture.zoo(dir.resolve("full"));
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        Files.createDirectories(zoo.dir());
        Files.copy(full.fileOf(SearchFixture.BASE), zoo.fileOf(SearchFixture.BASE));
        TestProbe<ZooWatcher.Changed> probe = kit.createTestProbe(ZooWatcher.Changed.class);
        kit.spawn(ZooWatcher.create(zoo, ZooIndex.from(zoo), Duration.ofMillis(100), probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(300));

        String id = "other-equal-8x8";
        byte[] bytes = Files.readAllBytes(full.fileOf(id));
        Files.write(zoo.fileOf(id), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        ZooWatcher.Changed half = probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5));
        assertEquals(List.of(), half.added(), "a half-copied file is not a target yet");
        assertTrue(half.index().skipped().containsKey(id), "and is named as such");
        probe.expectNoMessage(Duration.ofMillis(400));
        Files.write(zoo.fileOf(id), bytes);
        ZooWatcher.Changed added = probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5));
        assertEquals(List.of(id), added.added());
        assertEquals(2, added.index().size());

        Files.delete(zoo.fileOf(id));
        ZooWatcher.Changed removed = probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5));
        assertEquals(List.of(id), removed.removed());
        assertEquals(1, removed.index().size());
    }

    /**
     * Issue 22: a change reads only the files that changed. A file overwritten with other bytes of the
     * same size, its time set back, looks unchanged: when another model arrives, its old entry is kept
     * (a watcher that read every file again would now find it unreadable).
     */
    @Test
    void aChangeReadsOnlyTheFilesThatChanged() throws Exception {
        Zoo full = SearchFixture.zoo(dir.resolve("full"));
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        Files.createDirectories(zoo.dir());
        String id = "other-equal-8x8";
        Files.copy(full.fileOf(SearchFixture.BASE), zoo.fileOf(SearchFixture.BASE));
        TestProbe<ZooWatcher.Changed> probe = kit.createTestProbe(ZooWatcher.Changed.class);
        kit.spawn(ZooWatcher.create(zoo, ZooIndex.from(zoo), Duration.ofMillis(100), probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(400));   // the first poll has read the base's file

        Path base = zoo.fileOf(SearchFixture.BASE);
        var time = Files.getLastModifiedTime(base);
        Files.write(base, new byte[(int) Files.size(base)]);   // zeros: no header, no card
        Files.setLastModifiedTime(base, time);
        Files.copy(full.fileOf(id), zoo.fileOf(id));
        ZooWatcher.Changed added = probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5));
        assertEquals(List.of(id), added.added());
        assertTrue(added.index().get(SearchFixture.BASE).isPresent(), "the unchanged-looking file was not read again: " + added.index().describe());
    }

    @Test
    void weightsChangedUnderAnUnchangedCardAreAChangeAndATouchIsNot() throws Exception {
        Zoo full = SearchFixture.zoo(dir.resolve("full"));
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        Files.createDirectories(zoo.dir());
        String id = "other-equal-8x8";
        Files.copy(full.fileOf(SearchFixture.BASE), zoo.fileOf(SearchFixture.BASE));
        Files.copy(full.fileOf(id), zoo.fileOf(id));
        TestProbe<ZooWatcher.Changed> probe = kit.createTestProbe(ZooWatcher.Changed.class);
        kit.spawn(ZooWatcher.create(zoo, ZooIndex.from(zoo), Duration.ofMillis(100), probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(300));

        SearchFixture.scaleWeightsKeepingTheCard(zoo.fileOf(id), 0.5f);   // same size, same card, other bytes
        assertEquals(List.of(id), probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5)).added());
        Files.setLastModifiedTime(zoo.fileOf(id), java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 5000));
        probe.expectNoMessage(Duration.ofMillis(500));
    }

    @Test
    void aRenamedCopyIsNamedAsNotATargetAndTheWatcherGoesOn() throws Exception {
        Zoo full = SearchFixture.zoo(dir.resolve("full"));
        Zoo zoo = new Zoo(dir.resolve("zoo"));
        Files.createDirectories(zoo.dir());
        Files.copy(full.fileOf(SearchFixture.BASE), zoo.fileOf(SearchFixture.BASE));
        TestProbe<ZooWatcher.Changed> probe = kit.createTestProbe(ZooWatcher.Changed.class);
        kit.spawn(ZooWatcher.create(zoo, ZooIndex.from(zoo), Duration.ofMillis(100), probe.ref()));
        probe.expectNoMessage(Duration.ofMillis(300));

        Files.copy(zoo.fileOf(SearchFixture.BASE), zoo.dir().resolve("backup" + Zoo.EXTENSION));   // one model id, two files
        ZooWatcher.Changed copied = probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5));
        assertEquals(List.of(), copied.added());
        assertEquals(List.of(SearchFixture.BASE), copied.index().cards().stream().map(c -> c.id()).toList());
        String why = copied.index().skipped().get("backup");
        assertTrue(why.contains("backup" + Zoo.EXTENSION) && why.contains(SearchFixture.BASE + Zoo.EXTENSION), why);

        String id = "other-equal-8x8";   // still watching
        Files.copy(full.fileOf(id), zoo.fileOf(id));
        assertEquals(List.of(id), probe.expectMessageClass(ZooWatcher.Changed.class, Duration.ofSeconds(5)).added());
    }
}
