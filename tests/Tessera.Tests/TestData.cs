namespace Tessera.Tests;

/// <summary>Locates the shared data folder (the one holding data/) from the test binaries or TESSERA_SHARED.</summary>
internal static class TestData
{
    public static string Shared(params string[] parts)
    {
        var root = Environment.GetEnvironmentVariable("TESSERA_SHARED");
        if (string.IsNullOrEmpty(root))
        {
            // Walk up from bin/… until a directory has a shared/data child (…/work/shared when run from a worktree).
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "shared", "data")))
                {
                    root = Path.Combine(dir.FullName, "shared");
                    break;
                }
        }
        if (string.IsNullOrEmpty(root))
            throw new DirectoryNotFoundException($"no shared/data folder above {AppContext.BaseDirectory}; set TESSERA_SHARED");
        return Path.Combine([root, .. parts]);
    }

    /// <summary>A file of this repository (the folder above the test binaries that holds Tessera.slnx).</summary>
    public static string Repository(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Tessera.slnx")))
                return Path.Combine([dir.FullName, .. parts]);
        throw new DirectoryNotFoundException($"no Tessera.slnx above {AppContext.BaseDirectory}");
    }
}
