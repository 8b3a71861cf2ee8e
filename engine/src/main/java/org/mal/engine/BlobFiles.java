package org.mal.engine;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a workbench on a worker node without the shared folder gets model files (issue 22): by the
 * SHA-256 of their bytes (a zoo model's file, an assembly's store blob), as a local file whose
 * bytes have just been checked against that hash, fetched over the cluster when the node lacks it
 * or its copy is damaged. The implementation is the node's blob cache ({@code org.mal.actors.BlobCache}).
 */
@FunctionalInterface
public interface BlobFiles {
    /**
     * @param sha256 the hex SHA-256 of the file's bytes
     * @param what what it is, for messages ("zoo model mnist-equal-32x32x32")
     * @throws IOException naming the blob when it cannot be had (not on the source, never arrived intact)
     */
    Path file(String sha256, String what) throws IOException;
}
