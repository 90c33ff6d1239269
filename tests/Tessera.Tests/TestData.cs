namespace Tessera.Tests;

/// <summary>Finds ../shared (real inputs nobody here wrote) from the test's working folders.</summary>
public static class TestData
{
    public static string Shared(params string[] parts)
    {
        var root = Environment.GetEnvironmentVariable("TESSERA_SHARED");
        if (string.IsNullOrEmpty(root))
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (Directory.Exists(Path.Combine(dir.FullName, "shared", "data")))
                {
                    root = Path.Combine(dir.FullName, "shared");
                    break;
                }
        }
        if (root is null)
            throw new DirectoryNotFoundException("shared/data not found above the test folder; set TESSERA_SHARED");
        return Path.Combine([root, .. parts]);
    }
}
