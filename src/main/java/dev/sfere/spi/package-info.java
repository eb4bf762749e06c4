/**
 * The service-provider interface: {@link dev.sfere.spi.ConnectionStore}, which a third-party store implements,
 * the {@link dev.sfere.spi.Connection} it holds and the {@link dev.sfere.spi.RemovalListener} it tells of every
 * removal.
 */
package dev.sfere.spi;
