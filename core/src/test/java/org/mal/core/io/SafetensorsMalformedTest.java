package org.mal.core.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every way a file can be malformed gives a {@link SafetensorsFormatException} naming the file and the problem. */
class SafetensorsMalformedTest {

    @TempDir
    Path dir;

    @Test
    void rejectsFileShorterThanEightBytes() throws IOException {
        assertRejected(new byte[] {1, 2, 3}, "shorter than the 8-byte header length");
    }

    @Test
    void rejectsHeaderLengthLargerThanTheFile() throws IOException {
        assertRejected(withLength(1000, "{}", 0), "header length 1000 is larger than the file");
    }

    @Test
    void rejectsAbsurdHeaderLength() throws IOException {
        assertRejected(withLength(200_000_000L, "{}", 0), "header length 200000000 is absurd");
        assertRejected(withLength(-1L, "{}", 0), "header length 18446744073709551615 is absurd");
    }

    @Test
    void rejectsHeaderThatIsNotValidJson() throws IOException {
        assertRejected(file("{\"w\": {\"dtype\": ", 0), "header is not valid JSON");
        assertRejected(file("{} {}", 0), "header is not valid JSON");
    }

    @Test
    void rejectsHeaderThatIsNotValidUtf8() throws IOException {
        byte[] bytes = file("{\"x\":{}}", 0);
        bytes[11] = (byte) 0xC3; // closing quote of "x" -> truncated two-byte UTF-8 sequence
        assertRejected(bytes, "header is not valid UTF-8");
    }

    @Test
    void rejectsHeaderThatIsNotAJsonObject() throws IOException {
        assertRejected(file("[1, 2, 3]", 0), "header is not a JSON object");
    }

    @Test
    void rejectsDuplicateTensorNames() throws IOException {
        String entry = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        assertRejected(file("{\"w\":" + entry + ",\"w\":" + entry + "}", 4), "Duplicate field 'w'");
    }

    @Test
    void rejectsTensorWithoutDtype() throws IOException {
        assertRejected(file("{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4), "tensor 'w': missing dtype");
    }

    @Test
    void rejectsTensorWithoutShape() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4), "tensor 'w': missing shape");
    }

    @Test
    void rejectsTensorWithoutDataOffsets() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor 'w': missing data_offsets");
    }

    @Test
    void rejectsUnknownDtype() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
                "tensor 'w': unknown dtype 'Q4'");
    }

    @Test
    void rejectsNegativeDimension() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1,2],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w': negative dimension in shape [-1, 2]");
    }

    @Test
    void rejectsNonIntegerShape() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4),
                "tensor 'w': shape contains 1.5, not a 64-bit integer");
    }

    @Test
    void rejectsOffsetsOutsideTheBuffer() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8),
                "tensor 'w': data_offsets [0, 16] are out of the data buffer [0, 8]");
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,0]}}", 8),
                "tensor 'w': data_offsets [4, 0] are out of the data buffer");
    }

    @Test
    void rejectsByteSizeThatDoesNotMatchTheShape() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                "tensor 'w': byte size 8 does not match shape [3] of F32 (12 bytes)");
    }

    @Test
    void rejectsShapeWhoseSizeOverflows() throws IOException {
        assertRejected(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],"
                + "\"data_offsets\":[0,8]}}", 8), "tensor 'w': shape [4294967296, 4294967296] is too large");
    }

    @Test
    void rejectsGapBetweenTensors() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
                "gap of 4 bytes before tensor 'b'");
    }

    @Test
    void rejectsOverlappingTensors() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "overlap of 4 bytes before tensor 'b'");
    }

    @Test
    void rejectsUnusedBytesAfterTheLastTensor() throws IOException {
        assertRejected(file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8),
                "gap of 4 bytes after the last tensor");
    }

    @Test
    void rejectsMetadataValuesThatAreNotStrings() throws IOException {
        assertRejected(file("{\"__metadata__\":{\"format\":\"pt\",\"epochs\":3}}", 0),
                "__metadata__ value of key 'epochs' is not a string");
    }

    @Test
    void readHeaderListsButReadRejectsValidDtypesWeCannotConvert() throws IOException {
        Path path = write(file("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[0,3]}}", 3));

        assertEquals("BOOL", Safetensors.readHeader(path).tensors().get("mask").dtype());
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, () -> Safetensors.read(path));
        assertTrue(e.getMessage().contains("tensor 'mask': dtype BOOL is valid safetensors but not supported"),
                e.getMessage());
    }

    @Test
    void acceptsEmptyTensorsAndHeaderWithoutTensors() throws IOException {
        Path path = write(file("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[0,0]}}", 0));
        assertEquals(0, Safetensors.read(path).tensors().get("e").length());
        Path onlyMetadata = write(file("{\"__metadata__\":{\"a\":\"b\"}}", 0));
        assertTrue(Safetensors.read(onlyMetadata).tensors().isEmpty());
    }

    /** Both readers must fail with a message naming the file and containing {@code problem}. */
    private void assertRejected(byte[] bytes, String problem) throws IOException {
        Path path = write(bytes);
        List<Executable> readers = List.of(() -> Safetensors.readHeader(path), () -> Safetensors.read(path));
        for (Executable reader : readers) {
            SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class, reader);
            assertTrue(e.getMessage().startsWith(path.toString() + ": "), e.getMessage());
            assertTrue(e.getMessage().contains(problem), () -> "expected '" + problem + "' in: " + e.getMessage());
            assertEquals(path, e.file());
        }
    }

    private Path write(byte[] bytes) throws IOException {
        Path path = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(path, bytes);
        return path;
    }

    /** A file with a correct length prefix, the given header and {@code dataBytes} zero bytes of data. */
    private static byte[] file(String json, int dataBytes) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return withLength(header.length, json, dataBytes);
    }

    private static byte[] withLength(long headerLength, String json, int dataBytes) {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + header.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN)
                .putLong(headerLength).put(header).array();
    }
}
