using System.IO.Compression;
using Eval.Torch.Tokenization;

namespace Eval.Torch.Training;

/// <summary>The zoo's training text (suites/corpora/train/*.txt.gz) as one token stream, each file opened by BOS.</summary>
public static class TrainingCorpus
{
    public static int[] Tokenize(string folder, ModelTokenizer tokenizer)
    {
        var files = Directory.GetFiles(folder, "*.txt.gz").Order(StringComparer.Ordinal).ToList();
        if (files.Count == 0) throw new FileNotFoundException($"{folder}: no *.txt.gz training files.");
        var tokens = new List<int>();
        foreach (string file in files)
        {
            if (tokenizer.BosId is int bos) tokens.Add(bos);
            using var reader = new StreamReader(new GZipStream(File.OpenRead(file), CompressionMode.Decompress));
            // Paragraph by paragraph keeps each Encode call small; the newline between paragraphs is kept.
            foreach (string paragraph in reader.ReadToEnd().Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
                tokens.AddRange(tokenizer.Encode(paragraph.Trim() + "\n"));
        }
        return tokens.ToArray();
    }
}
