/**
 * PUTs a file to an artifact's upload URL with progress (fetch reports none for uploads). The
 * filesystem storage's URL is Leasehold's own and relative; an S3 URL is the bucket's, which needs
 * CORS for the console's origin and a Content-Security-Policy that allows it.
 */
export function uploadFile(url: string, file: File, onProgress: (share: number) => void): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.setRequestHeader('content-type', 'application/octet-stream');
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress(e.loaded / e.total);
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = null;
      }
      resolve({ status: xhr.status, body });
    };
    xhr.onerror = () => reject(new Error('The upload did not reach the server.'));
    xhr.send(file);
  });
}
