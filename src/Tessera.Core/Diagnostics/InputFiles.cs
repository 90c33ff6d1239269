using System.Text;

namespace Tessera.Diagnostics;

/// <summary>
/// The limits every input file is read under. A FIFO, a device or an endless symlink target would otherwise hang or
/// exhaust memory before a parser sees a byte, and deep nesting would overflow the stack.
/// </summary>
/// <param name="MaxTextBytes">Largest YAML, MAESTRO or JSON input (a hand-written file is kilobytes).</param>
/// <param name="MaxOnnxBytes">Largest ONNX file (protobuf's own limit is 2 GiB; Tessera reads shapes, not weights).</param>
/// <param name="MaxYamlDepth">Deepest nesting of YAML mappings and lists (real files nest fewer than ten levels).</param>
public sealed record InputLimits(long MaxTextBytes, long MaxOnnxBytes, int MaxYamlDepth)
{
    public static InputLimits Default { get; } = new(MaxTextBytes: 16L << 20, MaxOnnxBytes: (2L << 30) - 1, MaxYamlDepth: 64);
}

/// <summary>Opens input files only when they are regular files within <see cref="InputLimits"/>.</summary>
public static class InputFiles
{
    /// <summary>
    /// Follows symlinks to the final target and refuses a missing file, a directory, a symlink loop and a file larger
    /// than <paramref name="maxBytes"/>, naming the path and what was expected.
    /// </summary>
    private static FileInfo Check(string path, string what, long maxBytes)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new TesseraInputException($"the {what} path is empty; expected a file");
        FileInfo info;
        try
        {
            info = new FileInfo(path);
            if (info.LinkTarget is not null)
                info = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            // A symlink loop or an unresolvable path ends here.
            throw new TesseraInputException($"{path}: cannot resolve the {what} ({e.Message.TrimEnd('.')}); expected a regular file", e);
        }
        if (Directory.Exists(info.FullName))
            throw new TesseraInputException($"{path}: is a directory; expected {Article(what)}");
        if (!info.Exists)
            throw new TesseraInputException($"{path}: file not found");
        if (info.Length > maxBytes)
            throw new TesseraInputException($"{path}: {info.Length} bytes; {Article(what)} may have at most {maxBytes} bytes");
        return info;
    }

    /// <summary>The whole file as text, after <see cref="Check"/> with the text limit.</summary>
    public static string ReadAllText(string path, string what) =>
        Decode(ReadAllBytes(path, what, InputLimits.Default.MaxTextBytes), path);

    /// <summary>
    /// The whole file as bytes, after <see cref="Check"/>. At most the size the file system reports is read, so a FIFO
    /// or device (size 0) is never opened and a file that grows meanwhile cannot exhaust memory.
    /// </summary>
    public static byte[] ReadAllBytes(string path, string what, long maxBytes)
    {
        var info = Check(path, what, maxBytes);
        if (info.Length == 0)
            throw new TesseraInputException($"{path}: is empty or not a regular file (a FIFO or device); expected {Article(what)}");
        try
        {
            using var stream = new FileStream(info.FullName, FileMode.Open, FileAccess.Read, FileShare.Read);
            var bytes = new byte[info.Length];
            int read = 0, n;
            while (read < bytes.Length && (n = stream.Read(bytes, read, bytes.Length - read)) > 0)
                read += n;
            return read == bytes.Length ? bytes : bytes[..read];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TesseraInputException($"{path}: cannot read the {what} ({e.Message.TrimEnd('.')})", e);
        }
    }

    private static string Decode(byte[] bytes, string path)
    {
        try
        {
            return new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(bytes).TrimStart('\uFEFF');
        }
        catch (DecoderFallbackException e)
        {
            throw new TesseraInputException($"{path}: byte {e.Index} is not UTF-8; expected a text file", e);
        }
    }

    private static string Article(string what) => ("AEIOU".Contains(char.ToUpperInvariant(what[0]), StringComparison.Ordinal) ? "an " : "a ") + what;
}
