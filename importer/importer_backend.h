/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmabuf_importer: the backends' entry points, called by module init
 * (importer_main.c) and by nothing else.
 */
#ifndef _IMPORTER_BACKEND_H
#define _IMPORTER_BACKEND_H

/* importer_platform.c */
int importer_platform_register(void);
void importer_platform_unregister(void);

/* importer_edu.c */
int importer_edu_register(void);
void importer_edu_unregister(void);

#endif /* _IMPORTER_BACKEND_H */
