package dev.sfere.it;

import java.io.IOException;
import java.io.InputStream;

/**
 * One application instance in a JVM of its own, for the cluster tests: the lobby and control resources on a free
 * loopback port, with the cluster on the NATS server given as the first argument and the directory's max age as
 * the second; further arguments {@code key=value} are settings. Prints {@code PORT n} when it serves, and exits when its standard input closes (the test ended) or
 * when it is killed.
 */
public final class ClusterInstance {

    private ClusterInstance() {
    }

    public static void main(String[] args) throws IOException {
        TestServer builder = TestServer.with().beans(EventLog.class)
                .resources(LobbyResource.class, ControlResource.class, ResumeResource.class)
                .config("sfere.cluster.type", "nats")
                .config("sfere.cluster.nats.url", args[0])
                .config("sfere.cluster.nats.max-age", args[1])
                .config("sfere.cluster.nats.bucket", "sfere-test")
                .config("sfere.heartbeat.interval", "PT1S");
        for (int i = 2; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            builder.config(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        TestServer server = builder.start();
        System.out.println("PORT " + server.base().getPort());
        System.out.flush();
        InputStream in = System.in;
        while (in.read() >= 0) {
            // wait for the test to close our input
        }
        server.close();
        System.exit(0);
    }
}
