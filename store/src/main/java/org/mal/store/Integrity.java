package org.mal.store;

/**
 * What {@link MalStore#verify()} read and found sound: every value's envelope and CRC, the
 * journal's sequence without gaps, every blob manifest's chunks present with matching SHA-256.
 *
 * @param metaEntries entries in meta, the store's own included
 * @param evaluations cached evaluations
 * @param journalEntries journal records; they are exactly 1..journalEntries
 * @param blobs blob manifests, each a complete blob
 * @param blobBytes the sum of the blobs' lengths (shared chunks counted once per blob)
 * @param chunks stored chunks
 * @param orphanChunks chunks no manifest refers to: left by a {@code putBlob} that did not finish;
 *     harmless, they only take space
 */
public record Integrity(long metaEntries, long evaluations, long journalEntries, long blobs, long blobBytes,
                        long chunks, long orphanChunks) {}
