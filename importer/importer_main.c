// SPDX-License-Identifier: GPL-2.0
/*
 * dmabuf_importer: module init and the misc device /dev/dmabuf_importer
 *
 * Userspace drives the importer side of dma-buf through the misc device
 * (include/uapi/linux/dmabuf_importer.h, Documentation/importer.rst). The
 * devices come from importer_platform.c (emulated camera, GPU, display,
 * declared in the device tree) and importer_edu.c (QEMU's edu PCI device),
 * which register them with importer_device.c.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "dmabuf_compat.h"
#include "importer_backend.h"
#include "importer_priv.h"

static int importer_open(struct inode *inode, struct file *file)
{
	struct importer_session *s;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return -ENOMEM;
	mutex_init(&s->lock);
	xa_init_flags(&s->attachments, XA_FLAGS_ALLOC1);
	file->private_data = s;
	return 0;
}

/* The last close unmaps and detaches whatever the file still holds. */
static int importer_release(struct inode *inode, struct file *file)
{
	struct importer_session *s = file->private_data;
	struct importer_attachment *a;
	unsigned long handle;

	xa_for_each(&s->attachments, handle, a)
		importer_attachment_destroy(a);
	xa_destroy(&s->attachments);
	mutex_destroy(&s->lock);
	kfree(s);
	return 0;
}

static const struct file_operations importer_fops = {
	.owner = THIS_MODULE,
	.open = importer_open,
	.release = importer_release,
	.unlocked_ioctl = importer_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice importer_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "dmabuf_importer",
	.fops = &importer_fops,
	.mode = 0600,
};

static int __init importer_init(void)
{
	int ret;

	ret = importer_model_init();
	if (ret)
		return ret;
	ret = importer_platform_register();
	if (ret)
		goto exit_model;
	ret = importer_edu_register();
	if (ret)
		goto unregister_platform;
	ret = misc_register(&importer_misc);
	if (ret)
		goto unregister_edu;
	return 0;

unregister_edu:
	importer_edu_unregister();
unregister_platform:
	importer_platform_unregister();
exit_model:
	importer_model_exit();
	return ret;
}
module_init(importer_init);

/*
 * No file can be open here (the misc device's fops hold the module), so
 * no attachment is left: unbinding the drivers only releases hardware.
 */
static void __exit importer_exit(void)
{
	misc_deregister(&importer_misc);
	importer_edu_unregister();
	importer_platform_unregister();
	importer_model_exit();
}
module_exit(importer_exit);

MODULE_DESCRIPTION("DMA-BUF importer devices: emulated camera, GPU, display and QEMU edu");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS(DMABUF_NS(DMA_BUF));
