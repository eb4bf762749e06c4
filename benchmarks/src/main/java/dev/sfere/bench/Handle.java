package dev.sfere.bench;

import dev.sfere.spi.Connection;

/**
 * What the store benchmarks store: a connection handle with no stream behind it. A store only keeps a handle and
 * compares it by identity, so what the handle holds does not enter a store's timings.
 */
public final class Handle extends Connection {
}
