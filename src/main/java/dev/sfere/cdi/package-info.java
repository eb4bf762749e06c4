/**
 * The CDI side: the portable extension, the {@link dev.sfere.SfereKey} interceptor, the broadcaster bean, the
 * connection lifecycle (events, heartbeats, shutdown) and the reading of MicroProfile Config.
 */
package dev.sfere.cdi;
