namespace Tessera.Fuzz;

/// <summary>The repository (holding Tessera.slnx) and the shared data folder (TESSERA_SHARED, or a shared/data above).</summary>
public static class FuzzPaths
{
    public static string Repository() => Above(dir => File.Exists(Path.Combine(dir, "Tessera.slnx")), "Tessera.slnx");

    public static string Shared() =>
        Environment.GetEnvironmentVariable("TESSERA_SHARED") is { Length: > 0 } root ? root
            : Path.Combine(Above(dir => Directory.Exists(Path.Combine(dir, "shared", "data")), "shared/data"), "shared");

    private static string Above(Func<string, bool> holds, string what)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (holds(dir.FullName)) return dir.FullName;
        throw new DirectoryNotFoundException($"no {what} above {AppContext.BaseDirectory}");
    }
}
