/**
 * LakeObjects on the versioned lake bucket. Deletes name a VersionId, so they remove data for good instead
 * of adding delete markers; the purge role holds s3:DeleteObjectVersion for exactly the prefixes it purges.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { LakeObjects } from './lake-purge-runner';

interface Version {
  readonly key: string;
  readonly versionId: string;
  readonly isLatest: boolean;
}

export class S3VersionedObjects implements LakeObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async listKeys(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key && !object.Key.endsWith('/')) keys.push(object.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async copy(sourceKey: string, targetKey: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: targetKey,
        CopySource: `${this.bucket}/${sourceKey.split('/').map(encodeURIComponent).join('/')}`,
        // The bucket's default encryption (the data key) applies to the new version.
        MetadataDirective: 'COPY',
      }),
    );
  }

  async getText(key: string): Promise<string> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`s3://${this.bucket}/${key} has no body`);
    return out.Body.transformToString('utf-8');
  }

  async putText(key: string, body: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/x-ndjson',
      }),
    );
  }

  async deleteNoncurrentVersions(key: string): Promise<number> {
    const versions = (await this.versions(key)).filter((v) => v.key === key && !v.isLatest);
    return this.deleteVersions(versions);
  }

  async deleteAllVersions(key: string): Promise<number> {
    const versions = (await this.versions(key)).filter((v) => v.key === key);
    // Current last: deleting it first would make an older version (with the same rows) current.
    return this.deleteVersions([
      ...versions.filter((v) => !v.isLatest),
      ...versions.filter((v) => v.isLatest),
    ]);
  }

  async deleteEverythingUnder(prefix: string): Promise<number> {
    if (!prefix.endsWith('/') && !prefix.endsWith('-'))
      throw new Error(`refusing to delete under '${prefix}': a purge prefix ends in '/' or '-'`);
    return this.deleteVersions(await this.versions(prefix));
  }

  /** Versions and delete markers under a prefix. */
  private async versions(prefix: string): Promise<Version[]> {
    const found: Version[] = [];
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectVersionsCommand({
          Bucket: this.bucket,
          Prefix: prefix,
          KeyMarker: keyMarker,
          VersionIdMarker: versionIdMarker,
        }),
      );
      for (const v of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])])
        if (v.Key && v.VersionId)
          found.push({ key: v.Key, versionId: v.VersionId, isLatest: v.IsLatest === true });
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return found;
  }

  private async deleteVersions(versions: readonly Version[]): Promise<number> {
    for (const v of versions)
      await this.client.send(
        new DeleteObjectCommand({ Bucket: this.bucket, Key: v.key, VersionId: v.versionId }),
      );
    return versions.length;
  }
}
