/**
 * Merge methods as interfaces: an {@link org.mal.core.method.Aligner} puts a target's units in
 * correspondence with the base's, a {@link org.mal.core.method.Merger} combines the aligned
 * weights, a {@link org.mal.core.method.LambdaRule} chooses λ. Each is one class holding its typed
 * settings (a record with {@code from(Settings)} that fails with the key's path); {@link
 * org.mal.core.method.Methods} is the one registry the command line and the search both use.
 * Plug-ins are found like laws: by a name registered through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/org.mal.core.method.AlignerFactory} and the like), or by a fully
 * qualified class name.
 */
package org.mal.core.method;
