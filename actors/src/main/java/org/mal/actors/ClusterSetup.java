package org.mal.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.List;

/**
 * The Pekko settings of a cluster node of a search: the coordinator's node and the worker nodes
 * run an actor system of the same name, joined through the coordinator's address (its only seed
 * node). Messages between nodes are Jackson CBOR (the {@link WireMessage} binding and Pekko's own
 * serializers for reliable delivery and the receptionist); Java serialization stays off. Downing:
 * Pekko's split-brain resolver with keep-oldest, so the coordinator's node (the oldest) never
 * downs itself; a worker node cut off from it is downed and its unconfirmed moves are delivered to
 * other workers. Blob chunks ({@link BlobServer}) travel to each node's {@link BlobFetcher} on Artery's
 * large-message lane, a connection of their own, so that they never delay work items, results or
 * cluster gossip; the setting has to be on both sides, hence here, on every node.
 */
public final class ClusterSetup {
    private ClusterSetup() {}

    public static final String SYSTEM = "mal-search";

    /** The configuration of a node at {@code host:port} whose seed is {@code seedHost:seedPort}. */
    public static Config node(String host, int port, String seedHost, int seedPort, double stableAfterSeconds) {
        return ConfigFactory.empty()
                .withValue("pekko.actor.provider", ConfigValueFactory.fromAnyRef("cluster"))
                .withValue("pekko.remote.artery.canonical.hostname", ConfigValueFactory.fromAnyRef(host))
                .withValue("pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(port))
                .withValue("pekko.cluster.seed-nodes",
                        ConfigValueFactory.fromIterable(List.of("pekko://" + SYSTEM + "@" + seedHost + ":" + seedPort)))
                .withValue("pekko.cluster.downing-provider-class",
                        ConfigValueFactory.fromAnyRef("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider"))
                .withValue("pekko.cluster.split-brain-resolver.active-strategy", ConfigValueFactory.fromAnyRef("keep-oldest"))
                .withValue("pekko.cluster.split-brain-resolver.stable-after",
                        ConfigValueFactory.fromAnyRef((long) (stableAfterSeconds * 1000) + "ms"))
                .withValue("pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone", ConfigValueFactory.fromAnyRef(false))
                .withValue("pekko.cluster.jmx.enabled", ConfigValueFactory.fromAnyRef(false))
                .withValue("pekko.remote.artery.large-message-destinations",
                        ConfigValueFactory.fromIterable(List.of("/user/" + BlobFetcher.NAME)));
    }

    /** {@code host:port}, checked. */
    public static String[] hostPort(String s) {
        int k = s.lastIndexOf(':');
        if (k <= 0 || k == s.length() - 1) throw new IllegalArgumentException("expected HOST:PORT, got '" + s + "'");
        try {
            int port = Integer.parseInt(s.substring(k + 1));
            if (port < 1 || port > 65535) throw new NumberFormatException();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port in '" + s + "'");
        }
        return new String[] {s.substring(0, k), s.substring(k + 1)};
    }
}
