/**
 * The CDI side: the portable extension and the build compatible one (for Quarkus), which share what they add and
 * check, the {@link dev.sfere.SfereKey} interceptor, the broadcaster bean, the connection lifecycle (events,
 * heartbeats, shutdown) and the reading of MicroProfile Config.
 */
package dev.sfere.cdi;
