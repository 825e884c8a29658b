using System.Diagnostics;
using System.Globalization;

namespace Eval.Cli.Cluster;

/// <summary>
/// Submits the shard array and, depending on it (afterany: however its tasks end), the merge job, through the real
/// `sbatch`. The job ids come from `sbatch --parsable` ("ID" or "ID;CLUSTER").
/// </summary>
public static class SbatchSubmitter
{
    public static (string ArrayJob, string MergeJob) Submit(string shardsScript, string mergeScript)
    {
        string array = Sbatch(shardsScript);
        string merge = Sbatch("--dependency=afterany:" + array, mergeScript);
        return (array, merge);
    }

    /// <summary>The commands to type instead of --submit, in the same order and with the same dependency.</summary>
    public static IEnumerable<string> Commands(string shardsScript, string mergeScript)
    {
        yield return $"jobid=$(sbatch --parsable {CliLine.Quote(shardsScript)})";
        yield return $"sbatch --dependency=afterany:$jobid {CliLine.Quote(mergeScript)}";
    }

    private static string Sbatch(params string[] arguments)
    {
        var start = new ProcessStartInfo("sbatch") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("--parsable");
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidInputException($"--submit: cannot run sbatch ({e.Message}). Run on a Slurm login node, or leave out --submit and type the printed commands there.");
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            string id = stdout.Trim().Split(';')[0];
            if (process.ExitCode != 0 || !long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                throw new InvalidInputException($"--submit: sbatch {string.Join(" ", arguments)} exited with {process.ExitCode}: {stderr.Result.Trim()} {stdout.Trim()}".TrimEnd());
            return id;
        }
    }
}
