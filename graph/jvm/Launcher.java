import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

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
 */
public final class Launcher {
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: Launcher HOME HOST PORT PAGECACHE");
            System.exit(2);
        }
        SocketAddress bolt = new SocketAddress(args[1], Integer.parseInt(args[2]));
        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(Path.of(args[0]))
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, bolt)
                .setConfig(BoltConnector.advertised_address, bolt)
                .setConfig(GraphDatabaseSettings.auth_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.parse(args[3]))
                .setConfig(GraphDatabaseSettings.transaction_timeout, Duration.ofMinutes(10))
                .build();
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.out.println("tunegraph-localdb: shutting down");
            dbms.shutdown();
            System.out.println("tunegraph-localdb: stopped cleanly");
            stopped.countDown();
        }));
        System.out.println("tunegraph-localdb: ready on bolt://" + args[1] + ":" + args[2]);
        stopped.await();
    }
}
