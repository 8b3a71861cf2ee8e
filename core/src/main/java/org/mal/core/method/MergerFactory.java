package org.mal.core.method;

import org.mal.core.config.PluginFactory;

/** A {@link PluginFactory} for Mergers; list implementations in {@code META-INF/services/org.mal.core.method.MergerFactory}. */
public interface MergerFactory extends PluginFactory<Merger> {}
