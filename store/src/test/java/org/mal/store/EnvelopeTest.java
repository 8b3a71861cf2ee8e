package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class EnvelopeTest {
    private static final Path STORE = Path.of("/nowhere");
    private static final byte[] KEY = "some-key".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PAYLOAD = "{\"loss\":0.25}".getBytes(StandardCharsets.UTF_8);

    @Test
    void roundTripKeepsThePayload() {
        byte[] env = Envelope.wrap(KEY, Envelope.ValueType.EVALUATION, PAYLOAD);
        assertEquals(PAYLOAD.length + 11, env.length);
        assertArrayEquals(PAYLOAD, Envelope.unwrap(STORE, "evaluations", KEY, env, Envelope.ValueType.EVALUATION));
        byte[] empty = Envelope.wrap(KEY, Envelope.ValueType.META, new byte[0]);
        assertArrayEquals(new byte[0], Envelope.unwrap(STORE, "meta", KEY, empty, Envelope.ValueType.META));
    }

    @Test
    void layoutIsMagicVersionTypeLengthPayloadCrc() {
        byte[] env = Envelope.wrap(KEY, Envelope.ValueType.JOURNAL_EVENT, PAYLOAD);
        assertEquals("a70103" + String.format("%08x", PAYLOAD.length) + Hex.of(PAYLOAD),
                Hex.of(Arrays.copyOf(env, env.length - 4)));
        java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
        crc.update(KEY);
        crc.update(env, 0, env.length - 4);
        assertEquals(String.format("%08x", crc.getValue()), Hex.of(Arrays.copyOfRange(env, env.length - 4, env.length)));
    }

    @Test
    void everyFlippedBitIsDetectedAndNamesColumnAndKey() {
        byte[] env = Envelope.wrap(KEY, Envelope.ValueType.EVALUATION, PAYLOAD);
        for (int i = 0; i < env.length; i++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = env.clone();
                bad[i] ^= (byte) (1 << bit);
                CorruptValueException e = assertThrows(CorruptValueException.class,
                        () -> Envelope.unwrap(STORE, "evaluations", KEY, bad, Envelope.ValueType.EVALUATION),
                        "flip of bit " + bit + " in byte " + i);
                assertEquals("evaluations", e.column());
                assertEquals(Hex.of(KEY), e.keyHex());
                assertTrue(e.getMessage().contains(Hex.of(KEY)), e.getMessage());
            }
        }
    }

    @Test
    void truncatedOrExtendedValuesAreDetected() {
        byte[] env = Envelope.wrap(KEY, Envelope.ValueType.EVALUATION, PAYLOAD);
        for (int len = 0; len < env.length; len++) {
            byte[] cut = Arrays.copyOf(env, len);
            assertThrows(CorruptValueException.class,
                    () -> Envelope.unwrap(STORE, "evaluations", KEY, cut, Envelope.ValueType.EVALUATION));
        }
        byte[] longer = Arrays.copyOf(env, env.length + 1);
        assertThrows(CorruptValueException.class,
                () -> Envelope.unwrap(STORE, "evaluations", KEY, longer, Envelope.ValueType.EVALUATION));
    }

    @Test
    void aValueUnderAnotherKeyOrOfAnotherTypeIsDetected() {
        byte[] env = Envelope.wrap(KEY, Envelope.ValueType.EVALUATION, PAYLOAD);
        CorruptValueException moved = assertThrows(CorruptValueException.class,
                () -> Envelope.unwrap(STORE, "evaluations", "other-key".getBytes(StandardCharsets.UTF_8), env,
                        Envelope.ValueType.EVALUATION));
        assertTrue(moved.getMessage().contains("CRC32C"), moved.getMessage());
        CorruptValueException type = assertThrows(CorruptValueException.class,
                () -> Envelope.unwrap(STORE, "evaluations", KEY, env, Envelope.ValueType.JOURNAL_EVENT));
        assertTrue(type.getMessage().contains("JOURNAL_EVENT"), type.getMessage());
    }
}
