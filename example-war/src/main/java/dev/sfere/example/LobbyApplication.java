package dev.sfere.example;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/** The lobby's JAX-RS application: every resource under {@code /api}; the page itself is static. */
@ApplicationPath("/api")
public class LobbyApplication extends Application {
}
