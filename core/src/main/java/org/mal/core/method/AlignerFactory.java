package org.mal.core.method;

import org.mal.core.config.PluginFactory;

/** A {@link PluginFactory} for Aligners; list implementations in {@code META-INF/services/org.mal.core.method.AlignerFactory}. */
public interface AlignerFactory extends PluginFactory<Aligner> {}
