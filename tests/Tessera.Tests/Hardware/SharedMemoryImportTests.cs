using Tessera.Diagnostics;
using Tessera.Interop;
using Tessera.Technology;

namespace Tessera.Tests.Hardware;

/// <summary>Stream's core_memory_sharing: imported as a sharing group, inconsistent groups refused with their position.</summary>
public class SharedMemoryImportTests
{
    private static readonly TechnologyLibrary Tech = TechnologyLibrary.LoadDefault();

    private static string Core(params string[] parts) => TestData.Shared(["data", .. parts]);

    /// <summary>An accelerator file over absolute core paths: array and vector FuseMax cores, a tutorial core, the DRAM controller.</summary>
    private static string Accelerator(string dir, string sharing) =>
        "cores:\n" +
        $"  0: {Core("stream", "hardware", "cores", "fusemax_array.yaml")}\n" +
        $"  1: {Core("stream", "hardware", "cores", "fusemax_vec.yaml")}\n" +
        $"  2: {Core("stream-tutorial", "lab1", "hardware", "cores", "accelerator1.yaml")}\n" +
        $"  3: {Core("stream", "hardware", "cores", "fusemax_dram.yaml")}\n" +
        "offchip_core_id: 3\n" +
        "core_connectivity:\n  - type: bus\n    cores: [0, 1, 2, 3]\n    bandwidth: 512\n" +
        "core_memory_sharing:\n" + sharing;

    private static TesseraInputException Refused(string sharing)
    {
        var dir = Directory.CreateTempSubdirectory("tessera-sharing-").FullName;
        try
        {
            var path = Path.Combine(dir, "acc.yaml");
            File.WriteAllText(path, Accelerator(dir, sharing));
            var e = Assert.Throws<TesseraInputException>(() => HardwareLoader.Load(path, Tech));
            // The command line stops with exit code 2 and the same message, no stack trace.
            var cli = Tessera.Tests.Cli.CliRunner.Run("hardware", path);
            Assert.Equal(2, cli.ExitCode);
            Assert.Contains(e.Message, cli.Error, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", cli.Error, StringComparison.Ordinal);
            return e;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Fusemax_array_and_vector_cores_share_their_top_memory()
    {
        var package = HardwareLoader.Load(TestData.Shared("data", "stream", "hardware", "fusemax.yaml"), Tech);
        var group = Assert.Single(package.SharedMemoryGroups);
        Assert.Equal(["core0", "core1"], group.ToArray());
        Assert.Equal(group, package.SharedMemoryGroupOf("core1"));
    }

    [Fact]
    public void A_group_naming_a_missing_core_is_refused_with_file_and_line()
    {
        var e = Refused("  - 0, 7\n");
        Assert.StartsWith("acc.yaml:12:5: core_memory_sharing names core 7, which does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_whose_top_memories_differ_is_refused_naming_what_differs()
    {
        var e = Refused("  - [0, 2]\n");
        Assert.StartsWith("acc.yaml:12:5: cores 0 and 2 share memory but their outermost memories differ:", e.Message, StringComparison.Ordinal);
        // FuseMax's 2 MiB sram against the tutorial core's 64 KiB activation buffer.
        Assert.Contains("16777216 bits", e.Message, StringComparison.Ordinal);
        Assert.Contains("524288", e.Message, StringComparison.Ordinal);
        Assert.Contains("fusemax_array.yaml against accelerator1.yaml", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_off_chip_core_and_a_core_in_two_groups_are_refused()
    {
        Assert.Contains("core 3, which is the off-chip core", Refused("  - 0, 3\n").Message, StringComparison.Ordinal);
        var twice = Refused("  - 0, 1\n  - 1, 0\n");
        Assert.StartsWith("acc.yaml:13:5: core 1 shares memory in two core_memory_sharing groups", twice.Message, StringComparison.Ordinal);
    }
}
