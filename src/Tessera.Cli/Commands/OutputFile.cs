using Tessera.Diagnostics;

namespace Tessera.Cli.Commands;

/// <summary>
/// A file or folder a command writes (--out, --trace, --svg, --floorplans, --store, --report): checked before the run starts, so a
/// typo costs no minutes of simulation, and written to a temporary file beside it that is then renamed over it, so a
/// run killed mid-write leaves the previous file whole.
/// </summary>
internal sealed record OutputFile(string Path, string Option)
{
    /// <summary>Options naming a file or folder a command writes.</summary>
    public static readonly IReadOnlySet<string> PathOptions = new HashSet<string>(StringComparer.Ordinal) { "--store", "--out", "--trace", "--svg", "--floorplans", "--report" };

    /// <summary>
    /// Options that say where or how output goes, over how many threads the work is spread, or which limits guard it, not
    /// what is computed.
    /// </summary>
    private static readonly HashSet<string> OutputOptions = new(PathOptions.Concat(["--progress", "--jobs", "-j", "--limit"]), StringComparer.Ordinal);
    private static readonly HashSet<string> OutputFlags = new(StringComparer.Ordinal) { "--json", "--csv" };

    /// <summary>
    /// The arguments without the output options and their values: what chooses the computation (a run's point id) and
    /// names its inputs (an existing --store or --out file is not one).
    /// </summary>
    public static IEnumerable<string> WithoutOutputs(IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        for (int i = 0; i < args.Count; i++)
        {
            var option = args[i].Split('=', 2)[0];
            if (OutputFlags.Contains(option)) continue;
            if (OutputOptions.Contains(option))
            {
                if (!args[i].Contains('=', StringComparison.Ordinal)) i++;
                continue;
            }
            yield return args[i];
        }
    }

    /// <summary>
    /// A file path that can be written: its folder exists and it is not itself a folder. Null for no path.
    /// </summary>
    public static OutputFile? File(string? path, string option)
    {
        if (path is null) return null;
        var full = Full(path, option);
        if (Directory.Exists(full))
            throw new TesseraInputException($"{option} {path}: a directory; expected a file path");
        var folder = System.IO.Path.GetDirectoryName(full);
        if (folder is not null && !Directory.Exists(folder))
            throw new TesseraInputException($"{option} {path}: the directory {folder} does not exist; expected a file in an existing directory");
        return new OutputFile(full, option);
    }

    /// <summary>A folder to write files into: created if missing (its parent must exist), refused if a file is there.</summary>
    public static OutputFile? Folder(string? path, string option)
    {
        if (path is null) return null;
        var full = Full(path, option);
        if (System.IO.File.Exists(full))
            throw new TesseraInputException($"{option} {path}: a file; expected a directory (new or existing)");
        var parent = System.IO.Path.GetDirectoryName(full.TrimEnd(System.IO.Path.DirectorySeparatorChar));
        if (parent is not null && !Directory.Exists(parent))
            throw new TesseraInputException($"{option} {path}: the directory {parent} does not exist; expected a directory whose parent exists");
        return new OutputFile(full, option);
    }

    private static string Full(string path, string option)
    {
        if (string.IsNullOrWhiteSpace(path)) throw new TesseraInputException($"{option}: an empty path; expected a file path");
        try { return System.IO.Path.GetFullPath(path); }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new TesseraInputException($"{option} {path}: not a valid path ({e.Message})");
        }
    }

    /// <summary>Writes text through <paramref name="write"/> to this file (temporary file, then rename).</summary>
    public void WriteText(Action<TextWriter> write) => WriteStream(stream =>
    {
        using var writer = new StreamWriter(stream, leaveOpen: true);
        write(writer);
    });

    /// <summary>Writes bytes through <paramref name="write"/> to this file (temporary file, then rename).</summary>
    public void WriteStream(Action<Stream> write) => Replace(Path, write);

    /// <summary>A file inside this folder (created now if missing), written the same way.</summary>
    public void WriteInFolder(string name, Action<TextWriter> write)
    {
        try { Directory.CreateDirectory(Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TesseraInputException($"{Option} {Path}: cannot create the directory ({e.Message})");
        }
        (this with { Path = System.IO.Path.Combine(Path, name) }).WriteText(write);
    }

    private void Replace(string path, Action<Stream> write) => WriteAt(path, temporary =>
    {
        using var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None);
        write(stream);
        stream.Flush(flushToDisk: true);
    });

    /// <summary>
    /// Has <paramref name="write"/> create the file at a temporary path beside this one (an SQLite store), then renames it
    /// over this file; when it creates nothing, this file is left as it was.
    /// </summary>
    public void WriteAt(Action<string> write) => WriteAt(Path, write);

    private void WriteAt(string path, Action<string> write)
    {
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        try
        {
            if (System.IO.File.Exists(temporary)) System.IO.File.Delete(temporary);
            write(temporary);
            if (System.IO.File.Exists(temporary)) System.IO.File.Move(temporary, path, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new TesseraInputException($"{Option} {path}: cannot write ({e.Message})");
        }
        finally
        {
            if (System.IO.File.Exists(temporary)) System.IO.File.Delete(temporary);
        }
    }
}
