package io.kubedsr.proxy.config;

import java.util.function.Function;

/**
 * One command-line flag: its name (kube-router's where kube-router has it), default as written on the
 * command line, help text, and a parser that turns the text into a value or throws with a clear reason.
 */
public record Flag<T>(String name, String defaultText, String help, Function<String, T> parser, boolean isBoolean) {
    public Flag {
        if (!name.matches("[a-z][a-z0-9-]*")) {
            throw new IllegalArgumentException("bad flag name " + name);
        }
    }

    public T parse(String text) {
        return parser.apply(text);
    }
}
