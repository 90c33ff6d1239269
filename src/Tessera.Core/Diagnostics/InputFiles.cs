using System.Text;

namespace Tessera.Diagnostics;

/// <summary>Opens input files only when they are regular files within <see cref="Limits"/>.</summary>
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
        Decode(ReadAllBytes(path, what, Limits.Current.TextBytes), path);

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
