package org.mal.actors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Serves blobs (zoo model files and assemblies, named by the SHA-256 of their bytes, {@link
 * BlobCatalog}) to worker nodes that have no shared folder (issue 22), one chunk per request:
 * {@link GetChunk} is answered with a {@link BlobFetcher.Chunk} (its bytes and their SHA-256) or a
 * {@link BlobFetcher.Missing} naming the blob and why.
 *
 * <p><b>Why chunks pulled over ordinary actor messages, on Pekko's large-message lane.</b> A model
 * may be hundreds of megabytes; one message that size would need a frame as large and would hold
 * up everything behind it on the connection (work items, results, cluster gossip). So a blob
 * travels in chunks of {@value #CHUNK_BYTES} bytes that the fetcher asks for a few at a time (its
 * window): at most a window's worth is ever queued, and each chunk carries its own hash, so a damaged
 * chunk is asked for again alone. The replies go to the fetcher's path, which {@link ClusterSetup}
 * lists in {@code pekko.remote.artery.large-message-destinations} on every node: Artery carries
 * them on a separate connection, so even a full window does not delay ordinary messages. A chunk
 * fits the ordinary lane's 256 KiB frame too, so a node without that setting still works. We chose
 * this over a separate TCP/HTTP channel because it needs no second port, address or security set-up:
 * it reuses the cluster's connection, serialization and failure detection.
 *
 * <p>Reading a chunk is a positional file read: the server runs on a blocking dispatcher.
 */
public final class BlobServer extends AbstractBehavior<BlobServer.Command> {
    /** Bytes of a chunk (the last may be shorter). */
    public static final int CHUNK_BYTES = 128 << 10;

    public sealed interface Command {}

    /** Asks for chunk {@code index} of {@code blob}; the answer goes to {@code replyTo}. */
    public record GetChunk(String blob, int index, ActorRef<BlobFetcher.Reply> replyTo) implements Command, WireMessage {}

    private final BlobCatalog catalog;
    private final int chunkBytes;

    private BlobServer(ActorContext<Command> ctx, BlobCatalog catalog, int chunkBytes) {
        super(ctx);
        this.catalog = catalog;
        this.chunkBytes = chunkBytes;
    }

    public static Behavior<Command> create(BlobCatalog catalog) { return create(catalog, CHUNK_BYTES); }

    /** With another chunk size (tests: many chunks from a small blob). */
    public static Behavior<Command> create(BlobCatalog catalog, int chunkBytes) {
        if (chunkBytes < 1) throw new IllegalArgumentException("chunk size must be positive, got " + chunkBytes);
        return Behaviors.setup(ctx -> new BlobServer(ctx, catalog, chunkBytes));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onMessage(GetChunk.class, this::onGetChunk).build();
    }

    private Behavior<Command> onGetChunk(GetChunk g) {
        g.replyTo().tell(read(g.blob(), g.index()));
        return this;
    }

    private BlobFetcher.Reply read(String blob, int index) {
        Path file;
        try {
            file = catalog.file(blob);
        } catch (IOException e) {
            return new BlobFetcher.Missing(blob, e.getMessage());
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = ch.size();
            int count = (int) Math.max(1, (length + chunkBytes - 1) / chunkBytes);
            if (index < 0 || index >= count) return new BlobFetcher.Missing(blob, "blob " + blob + " has " + count + " chunks, no chunk " + index);
            long offset = (long) index * chunkBytes;
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(chunkBytes, length - offset));
            while (buf.hasRemaining()) {
                if (ch.read(buf, offset + buf.position()) < 0) {
                    return new BlobFetcher.Missing(blob, "blob " + blob + " (" + file + ") got shorter while it was read");
                }
            }
            byte[] data = buf.array();
            return new BlobFetcher.Chunk(blob, index, count, length, offset, java.util.HexFormat.of().formatHex(org.mal.core.Sha256.digest().digest(data)), data);
        } catch (IOException e) {
            return new BlobFetcher.Missing(blob, "cannot read blob " + blob + " from " + file + ": " + e.getMessage());
        }
    }
}
