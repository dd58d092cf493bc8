import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Starts an embedded Neo4j DBMS that speaks Bolt, and shuts it down cleanly on SIGTERM.
 *
 * Usage: java -Xmx2g -cp 'lib/*' Launcher.java HOME HOST PORT PAGECACHE
 *    or: java -Xmx2g -cp 'target/launcher.jar:lib/*' Launcher HOME HOST PORT PAGECACHE
 *
 * graph/localdb/ ("tunegraph db start") compiles this file once into target/launcher.jar and runs
 * it detached, with a class-data sharing archive (target/cds/) once the first run recorded one.
 * Exit status: 0 after a clean shutdown, 1 when the DBMS failed to start, 2 on bad arguments.
 */
public final class Launcher {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: Launcher HOME HOST PORT PAGECACHE");
            System.exit(2);
        }
        DatabaseManagementService dbms;
        try {
            SocketAddress bolt = new SocketAddress(args[1], Integer.parseInt(args[2]));
            dbms = new DatabaseManagementServiceBuilder(Path.of(args[0]))
                    .setConfig(BoltConnector.enabled, true)
                    .setConfig(BoltConnector.listen_address, bolt)
                    .setConfig(BoltConnector.advertised_address, bolt)
                    .setConfig(GraphDatabaseSettings.auth_enabled, false)
                    .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(args[3]))
                    .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                    // A local development server: no usage reports sent to neo4j.com.
                    .setConfig(GraphDatabaseSettings.udc_enabled, false)
                    // No backups or cluster read these logs: Neo4j's 2 days of them held 5 GB after a
                    // 1M-track import (50 GB at 10M); recovery needs only those since the last checkpoint.
                    .setConfig(GraphDatabaseSettings.keep_logical_logs, "256M size")
                    // Netty's default 5 s quiet period (twice, once per event loop group) made every
                    // stop take 10 s; the databases are already checkpointed and closed by then.
                    .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
                    .build();
        } catch (Throwable e) {
            // Neo4j may have started non-daemon threads: exit explicitly instead of hanging.
            System.err.println("tunegraph-localdb: failed to start: " + e);
            e.printStackTrace();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("tunegraph-localdb: shutting down");
            System.out.flush();
            try {
                dbms.shutdown();
                System.out.println("tunegraph-localdb: stopped cleanly");
            } catch (Throwable e) {
                System.out.println("tunegraph-localdb: shutdown failed: " + e);
                e.printStackTrace(System.out);
            }
            System.out.flush();
            stopped.countDown();
        }, "tunegraph-shutdown"));
        System.out.println("tunegraph-localdb: ready on bolt://" + args[1] + ":" + args[2]
                + " (pid " + ProcessHandle.current().pid() + ")");
        System.out.flush();
        stopped.await();
    }
}
