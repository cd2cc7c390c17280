package dev.herald.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code java <args>} as a child process that ends with this launcher's parent: the demo's Maven process
 * ({@code ./mvnw -Pdemo ...}) starts it, so that stopping Maven in any way (Ctrl-C, an IDE's stop button, a kill)
 * stops the demo's Payara Micro too, which a process started by Maven would otherwise outlive. The child is asked
 * to stop (SIGTERM), then killed after 15 s.
 */
public final class StopWithParent {

    private StopWithParent() {
    }

    public static void main(String[] args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.addAll(List.of(args));
        Process child = new ProcessBuilder(command).inheritIO().start();
        Runnable stop = () -> {
            if (child.isAlive()) {
                child.destroy();
                try {
                    if (!child.waitFor(15, TimeUnit.SECONDS)) {
                        child.destroyForcibly();
                    }
                } catch (InterruptedException e) {
                    child.destroyForcibly();
                }
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "stop-demo-node"));
        ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> {
            System.err.println("The demo's Maven process ended: stopping its node");
            stop.run();
            Runtime.getRuntime().halt(0);
        }));
        System.exit(child.waitFor());
    }
}
